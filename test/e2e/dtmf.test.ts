/**
 * DTMF both ways over the fake Twilio: the agent's send_dtmf plays standard in-band tones the
 * callee hears (decoded here by a Goertzel detector), and digits the callee presses drive a
 * flow's question; both are on the call's events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DtmfDecoder } from '../../src/media/goertzel.js';
import { decodeMulaw } from '../../src/media/mulaw.js';
import type { FakeLlmScript } from '../fakes/openai/server.js';
import type { FakeTwilio } from '../fakes/twilio/index.js';
import { goodbyeScript, type Tenant, type TestParley } from '../support/parley.js';
import { startTwilioStack, type TwilioStack } from '../support/twilio-stack.js';

describe('DTMF on Twilio', () => {
  let fake: FakeTwilio;
  let stack: TwilioStack;
  let t: TestParley;
  let tenant: Tenant;
  let script: FakeLlmScript = goodbyeScript;

  beforeAll(async () => {
    stack = await startTwilioStack();
    ({ fake, parley: t } = stack);
    let first = true;
    t.llm!.respond(() => {
      if (!first) return goodbyeScript;
      first = false;
      return script;
    });
    tenant = await t.tenant();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('send_dtmf plays the standard tone pairs in-band: the callee decodes exactly the keys sent', async () => {
    script = { toolCalls: [{ name: 'send_dtmf', argumentPieces: ['{"digits":"12#9"}'] }, { name: 'end_call', argumentPieces: ['{"reason":"menu_done"}'] }] };
    const agent = await tenant.request('POST', '/v1/agents', { name: 'Menu walker', prompt: 'You navigate phone menus.', first_speaker: 'agent' });
    await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550144', carrier: 'twilio', agent_id: agent.body.id });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.body.id, to: '+14155550164' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    const placed = fake.calls.find((call) => call.request.to === '+14155550164')!;
    const decoder = new DtmfDecoder();
    decoder.push(decodeMulaw(placed.stream!.heardAudio()));
    expect(decoder.digits.map((d) => d.digit).join('')).toBe('12#9');
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    expect(events.find((e) => e.type === 'agent.dtmf_sent')?.data).toMatchObject({ digits: '12#9' });
  });

  it('digits the callee presses answer a flow question and are on the events', async () => {
    const agent = await tenant.request('POST', '/v1/agents', {
      name: 'Keypad flow', kind: 'flow', greeting: null,
      flow: {
        start: 'ask',
        nodes: {
          ask: { type: 'ask', text: 'Press 1 to confirm your appointment, or 2 to cancel.', expect: 'yes_no', variable: 'confirmed', branches: { yes: 'ok', no: 'bye' } },
          ok: { type: 'end', text: 'Confirmed, thank you.', reason: 'confirmed' },
          bye: { type: 'end', text: 'Cancelled.', reason: 'cancelled' },
        },
      },
    });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550145', carrier: 'twilio', agent_id: agent.body.id });
    fake.script('+14155550165', { outcome: 'answer', dtmf: [{ atMs: 2500, digit: '1' }] });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.body.id, to: '+14155550165' });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended.transcript.at(-1)).toMatchObject({ role: 'agent', text: 'Confirmed, thank you.' });
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    expect(events.find((e) => e.type === 'contact.dtmf')?.data).toMatchObject({ digit: '1' });
    expect(events.find((e) => e.type === 'agent.collected')?.data).toMatchObject({ name: 'confirmed', value: true });
  });

  it('keys pressed one by one reach the flow as one entry: 1234# is one PIN, and the next question gets its own key', async () => {
    const agent = await tenant.request('POST', '/v1/agents', {
      name: 'PIN flow', kind: 'flow', greeting: null,
      flow: {
        start: 'pin',
        nodes: {
          pin: { type: 'ask', text: 'Please enter your PIN followed by the pound key.', expect: 'number', variable: 'pin', next: 'confirm' },
          confirm: { type: 'ask', text: 'Press 1 to confirm.', expect: 'yes_no', variable: 'ok', branches: { yes: 'done', no: 'done' } },
          done: { type: 'end', text: 'Thanks.', reason: 'done' },
        },
      },
    });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550146', carrier: 'twilio', agent_id: agent.body.id });
    // Typed ahead while the question is said, then 1 once the next one is asked.
    const pin = [...'1234#'].map((digit, i) => ({ atMs: 1500 + i * 300, digit }));
    fake.script('+14155550166', { outcome: 'answer', dtmf: [...pin, { atMs: 8000, digit: '1' }] });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.body.id, to: '+14155550166' });
    const ended = await tenant.waitForEnd(created.body.id, 40_000);
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    expect(events.filter((e) => e.type === 'agent.collected').map((e) => e.data)).toEqual([expect.objectContaining({ name: 'pin', value: 1234 }), expect.objectContaining({ name: 'ok', value: true })]);
    expect(events.filter((e) => e.type === 'contact.dtmf')).toHaveLength(6);
    expect(ended.transcript.filter((turn: { role: string }) => turn.role === 'contact')).toEqual([
      expect.objectContaining({ text: '1234#', input: 'keypad' }),
      expect.objectContaining({ text: '1', input: 'keypad' }),
    ]);
  });
});
