/**
 * Cold transfers on Twilio, end to end over loopback sockets: the agent's transfer_call updates
 * the live call with a <Dial> (caller id: the agent's number), Twilio (the fake) rings the
 * target and posts the leg's outcome to the action URL, and the call ends completed /
 * transferred with the leg on record. Warm transfers are refused on Twilio, never pretended.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeScriptedSpeech } from '../../src/media/scripted-speech.js';
import { startDeepgramFake, type DeepgramFake } from '../fakes/deepgram/server.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../fakes/elevenlabs/server.js';
import type { FakeLlmScript, RecordedLlmRequest } from '../fakes/openai/server.js';
import { FakeTwilio } from '../fakes/twilio/index.js';
import { goodbyeScript, startTestParley, type Tenant, type TestParley } from '../support/parley.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const transferTo = (to: string, mode: 'cold' | 'warm'): FakeLlmScript => ({
  text: ['Let me transfer you to billing.'],
  toolCalls: [{ name: 'transfer_call', argumentPieces: [JSON.stringify({ to, mode, reason: 'billing' })] }],
});

describe('transfers on Twilio', () => {
  let fake: FakeTwilio;
  let deepgram: DeepgramFake;
  let elevenlabs: ElevenLabsFake;
  let t: TestParley;
  let tenant: Tenant;
  let agentId: string;
  let script: FakeLlmScript = goodbyeScript;

  beforeAll(async () => {
    [fake, deepgram, elevenlabs] = await Promise.all([FakeTwilio.start(), startDeepgramFake(), startElevenLabsFake()]);
    const port = await freePort();
    t = await startTestParley({
      env: {
        PORT: String(port),
        PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
        TWILIO_ACCOUNT_SID: fake.accountSid,
        TWILIO_AUTH_TOKEN: fake.authToken,
        TWILIO_API_BASE_URL: fake.baseUrl,
        DEEPGRAM_API_KEY: deepgram.apiKey,
        DEEPGRAM_BASE_URL: deepgram.url,
        ELEVENLABS_API_KEY: elevenlabs.apiKey,
        ELEVENLABS_BASE_URL: elevenlabs.url,
      },
    });
    // The first model reply (to the caller's request) is the transfer; anything after it the goodbye.
    t.llm!.respond((request: RecordedLlmRequest) => {
      const messages = (request.body as { messages?: { role: string; content?: unknown }[] }).messages ?? [];
      const asked = messages.some((m) => m.role === 'user' && typeof m.content === 'string' && m.content.includes('billing'));
      const answered = messages.some((m) => m.role === 'tool');
      return asked && !answered ? script : goodbyeScript;
    });
    tenant = await t.tenant();
    const agent = await tenant.request('POST', '/v1/agents', {
      name: 'Front desk', prompt: 'You route callers.', greeting: 'Hello, front desk.', transfer_numbers: ['+14155550180', '+14155550181'],
    });
    agentId = agent.body.id;
    await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550143', carrier: 'twilio', agent_id: agentId });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([fake?.stop(), deepgram?.close(), elevenlabs?.close()]);
  });

  async function callAndAsk(callee: string) {
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: callee });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const placed = await fake.waitFor(() => fake.calls.find((call) => call.request.to === callee && call.stream?.state === 'open'), 15_000);
    setTimeout(() => placed.stream?.say(encodeScriptedSpeech('I have a billing question.')), 1500);
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    return { ended, placed, events, types: events.map((e) => e.type) };
  }

  it('cold: updates the live call with a <Dial> from the agent’s number, and records the leg from the action callback', async () => {
    script = transferTo('+14155550180', 'cold');
    fake.script('+14155550180', { outcome: 'answer', ringMs: 50, hangUpAfterMs: 1500 });
    const { ended, placed, types } = await callAndAsk('+14155550161');
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'transferred' });
    expect(ended.transfer).toMatchObject({ to: '+14155550180', mode: 'cold', reason: 'billing', outcome: 'answered', leg_duration_s: 2 });
    // The REST update the fake received: the live call's TwiML replaced by a Dial.
    expect(placed.redirects).toHaveLength(1);
    expect(placed.redirects[0]!.dial).toMatchObject({ number: '+14155550180', callerId: '+14155550143' });
    expect(placed.redirects[0]!.dial!.action).toContain('/twilio/transfer?callId=');
    expect(placed.dials).toMatchObject([{ number: '+14155550180', status: 'completed', durationS: 2 }]);
    await placed.callbacksSettled();
    const action = placed.callbacks.find((c) => c.kind === 'action')!;
    expect(action).toMatchObject({ responseStatus: 200, params: { DialCallStatus: 'completed' } });
    expect(types).toEqual(expect.arrayContaining(['call.transfer_started', 'call.transferred']));
    expect(ended.transcript.some((turn: { text: string }) => turn.text.includes('transfer you to billing'))).toBe(true);
  });

  it('cold: a busy target is the leg outcome, and the call still ends', async () => {
    script = transferTo('+14155550181', 'cold');
    fake.script('+14155550181', { outcome: 'busy', ringMs: 50 });
    const { ended, placed } = await callAndAsk('+14155550162');
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'transferred', transfer: { outcome: 'busy', leg_duration_s: null } });
    expect(placed.dials).toMatchObject([{ number: '+14155550181', status: 'busy' }]);
  });

  it('warm: refused on Twilio (it only does cold), nothing dialled, the agent goes on', async () => {
    script = transferTo('+14155550180', 'warm');
    const { ended, placed, events } = await callAndAsk('+14155550163');
    expect(placed.redirects).toEqual([]);
    expect(ended.transfer).toBeNull();
    expect(events.find((e) => e.type === 'call.transfer_refused')?.data).toMatchObject({ mode: 'warm', reason: 'carrier_cannot', carrier: 'twilio' });
    expect(ended.status).toBe('completed');
  });

  it('refuses an unsigned transfer action callback', async () => {
    const response = await fetch(`${t.url}/twilio/transfer?callId=call_x`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'DialCallStatus=completed',
    });
    expect(response.status).toBe(403);
  });
});
