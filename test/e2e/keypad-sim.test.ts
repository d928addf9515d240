/**
 * Keys a simulated callee presses, on both lanes of the simulated network: a persona whose reply
 * is `{"dtmf": "…"}` keys an entry (the text lane carries it whole, the audio lane one DTMF frame
 * per key through the voice session), and a flow's questions are answered from the keypad.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';

const pinFlow = {
  start: 'pin',
  nodes: {
    pin: { type: 'ask', text: 'Please enter your PIN, then press pound.', expect: 'number', variable: 'pin', next: 'confirm' },
    confirm: { type: 'ask', text: 'Press 1 to confirm, or 2 to cancel.', expect: 'yes_no', variable: 'confirmed', branches: { yes: 'done', no: 'done' } },
    done: { type: 'end', text: 'Thank you, goodbye.', reason: 'done' },
  },
};

describe.each<{ lane: string; env: Record<string, string> }>([
  { lane: 'text', env: { PARLEY_SIM_SPEED: '10' } },
  { lane: 'audio', env: { PARLEY_SIM_AUDIO: '1', PARLEY_SIM_SPEED: '10' } },
])('a simulated callee keys in on the $lane lane', ({ env }) => {
  let t: TestParley;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startTestParley({ env });
    tenant = await t.tenant();
  });
  afterAll(() => t?.close());

  it("answers a flow's number question with a multi-digit entry and the next question with one key", async () => {
    const agent = await tenant.request('POST', '/v1/agents', { name: 'PIN check', kind: 'flow', greeting: null, flow: pinFlow });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550148', carrier: 'sim', agent_id: agent.body.id });
    const number = '+14155550118';
    const persona = await tenant.request('POST', '/v1/sim/personas', { number, replies: [{ dtmf: '4321#' }, { dtmf: '1' }], after_replies: 'silence' });
    expect(persona.status, JSON.stringify(persona.body)).toBe(201);
    expect(persona.body.replies).toEqual([{ dtmf: '4321#' }, { dtmf: '1' }]);
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.body.id, to: number });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended).toMatchObject({ status: 'completed' });
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    expect(events.filter((e) => e.type === 'agent.collected').map((e) => [e.data.name, e.data.value])).toEqual([['pin', 4321], ['confirmed', true]]);
    // One event per key and one per entry on either lane.
    expect(events.filter((e) => e.type === 'contact.dtmf').map((e) => e.data.digit).join('')).toBe('4321#1');
    expect(events.filter((e) => e.type === 'contact.keypad_entry').map((e) => e.data.keys)).toEqual([5, 1]);
    expect(ended.transcript.map((turn: { role: string; text: string; input?: string }) => [turn.role, turn.text, turn.input])).toEqual([
      ['agent', 'Please enter your PIN, then press pound.', undefined],
      ['contact', '4321#', 'keypad'],
      ['agent', 'Press 1 to confirm, or 2 to cancel.', undefined],
      ['contact', '1', 'keypad'],
      ['agent', 'Thank you, goodbye.', undefined],
    ]);
  });

  it('refuses a persona reply that is not keypad keys, naming the field', async () => {
    const refused = await tenant.request('POST', '/v1/sim/personas', { number: '+14155550128', replies: ['Hello.', { dtmf: '12a' }] });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.error)).toContain('replies');
  });
});
