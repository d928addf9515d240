/** Transfers on the simulated network, end to end: every target outcome, cold and warm, and a refused target. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley, type Tenant } from '../support/parley.js';

let t: TestParley;
let tenant: Tenant;
beforeAll(async () => {
  t = await startTestParley({ llm: 'none' });
  tenant = await t.tenant();
});
afterAll(() => t?.close());

function transferFlow(mode: 'cold' | 'warm') {
  return {
    start: 'hello',
    nodes: {
      hello: { type: 'say', text: 'Hello {{name}}, let me put you through to our team.', next: 'move' },
      move: { type: 'transfer', to: '{{target}}', mode, text: 'Transferring you now.', reason: 'billing question', on_failure: 'sorry' },
      sorry: { type: 'end', text: 'Nobody could take the call, we will call you back.', reason: 'callback_promised' },
    },
  };
}

async function place(agentId: string, target: string, extra: Record<string, unknown> = {}) {
  const created = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100', variables: { name: 'Ana', target }, ...extra });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const ended = await tenant.waitForEnd(created.body.id);
  const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
  return { ended, events, types: events.map((e) => e.type) };
}

describe('cold transfers on the sim', () => {
  let agentId: string;
  beforeAll(async () => {
    agentId = (await tenant.agent({ kind: 'flow', flow: transferFlow('cold'), greeting: null, transfer_numbers: ['+14155550170', '+14155550171', '+14155550172'] })).id;
  });

  it('hands the callee to a person and ends completed / transferred with the leg and its duration', async () => {
    const { ended, types } = await place(agentId, '+14155550170');
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'transferred' });
    expect(ended.transfer).toMatchObject({ to: '+14155550170', mode: 'cold', reason: 'billing question', outcome: 'answered', leg_duration_s: 30 });
    expect(ended.transcript.at(-1).text).toContain('Transferring you now.');
    expect(types).toEqual(expect.arrayContaining(['call.transfer_started', 'call.transferred', 'call.completed']));
    expect(types.indexOf('call.transferred')).toBeLessThan(types.indexOf('call.completed'));
  });

  it('records a busy and an unanswered target as the leg outcome, and the call as a failed transfer', async () => {
    const busy = await place(agentId, '+14155550171');
    expect(busy.ended).toMatchObject({ status: 'completed', end_reason: 'transfer_failed', transfer: { outcome: 'busy', leg_duration_s: null } });
    const unanswered = await place(agentId, '+14155550172');
    expect(unanswered.ended).toMatchObject({ end_reason: 'transfer_failed', transfer: { outcome: 'no_answer' } });
  });
});

describe('warm transfers on the sim', () => {
  let agentId: string;
  beforeAll(async () => {
    agentId = (await tenant.agent({
      kind: 'flow', flow: transferFlow('warm'), greeting: null,
      transfer_numbers: ['+14155550180', '+14155550181', '+14155550182', '+14155550184', '+14155550185'],
    })).id;
  });

  it('briefs a person who accepts, then connects the callee', async () => {
    const { ended, events, types } = await place(agentId, '+14155550180');
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'transferred' });
    expect(ended.transfer).toMatchObject({ to: '+14155550180', mode: 'warm', outcome: 'answered', leg_duration_s: 30 });
    const briefed = events.find((e) => e.type === 'call.transfer_briefed');
    expect(briefed?.data).toMatchObject({ to: '+14155550180' });
    expect(briefed!.data['briefing_ms']).toBeGreaterThan(1000);
    expect(types).not.toContain('agent.turn');
  });

  for (const [target, outcome] of [['+14155550181', 'busy'], ['+14155550182', 'no_answer'], ['+14155550184', 'declined'], ['+14155550185', 'failed']] as const) {
    it(`comes back to the callee and goes on when the target is ${outcome}`, async () => {
      const { ended, types } = await place(agentId, target);
      expect(ended).toMatchObject({ status: 'completed', end_reason: 'agent_ended' });
      expect(ended.transfer).toMatchObject({ to: target, mode: 'warm', outcome });
      expect(ended.transcript.at(-1)).toMatchObject({ role: 'agent', text: 'Nobody could take the call, we will call you back.' });
      expect(types).toContain('call.transferred');
    });
  }
});

describe('refused targets', () => {
  it('never dials a number outside the call’s own list; the flow goes on at on_failure', async () => {
    const agent = await tenant.agent({ kind: 'flow', flow: transferFlow('cold'), greeting: null, transfer_numbers: ['+14155550170'] });
    const { ended, events, types } = await place(agent.id, '+14155550170', { transfer_numbers: ['+14155550190'] });
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'agent_ended', transfer: null });
    expect(types).toContain('call.transfer_refused');
    expect(types).not.toContain('call.transfer_started');
    expect(events.find((e) => e.type === 'call.transfer_refused')?.data).toMatchObject({ reason: 'not_allowed' });
  });

  it('refuses a per-call transfer list with a number that is not one', async () => {
    const agent = await tenant.agent({ kind: 'flow', flow: transferFlow('cold'), greeting: null });
    const refused = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables: { name: 'Ana', target: 'x' }, transfer_numbers: ['12'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'INVALID_PHONE_NUMBER', details: { field: 'transfer_numbers.0' } });
  });

  it("refuses a transfer to the call's own numbers, even when listed", async () => {
    const agent = await tenant.agent({ kind: 'flow', flow: transferFlow('cold'), greeting: null, transfer_numbers: ['+14155550100'] });
    const { ended, events } = await place(agent.id, '+14155550100');
    expect(ended).toMatchObject({ status: 'completed', transfer: null });
    expect(events.find((e) => e.type === 'call.transfer_refused')?.data).toMatchObject({ reason: 'own_number' });
  });

  it("refuses the organisation's own numbers (another agent's), which would call Parley, and dials nothing", async () => {
    const other = await tenant.agent({ kind: 'flow', flow: transferFlow('cold'), greeting: null });
    const agent = await tenant.agent({ kind: 'flow', flow: transferFlow('cold'), greeting: null, transfer_numbers: [other.number] });
    const { ended, events, types } = await place(agent.id, other.number);
    expect(ended).toMatchObject({ status: 'completed', transfer: null });
    expect(events.find((e) => e.type === 'call.transfer_refused')?.data).toMatchObject({ reason: 'own_number' });
    expect(types).not.toContain('call.transfer_started');
  });

  it("keeps a flow agent's transfer numbers in E.164 and refuses what is not a number, so nothing is dialled as written", async () => {
    const base = { name: 'Desk', kind: 'flow', flow: transferFlow('cold'), greeting: null };
    const refused = await tenant.request('POST', '/v1/agents', { ...base, transfer_numbers: ['+14155550170', 'sip:x@y'] });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.error)).toContain('transfer_numbers.1');
    const national = await tenant.request('POST', '/v1/agents', { ...base, transfer_numbers: ['4155550110'] });
    expect(national.status).toBe(400);
    // Formatted and not, twice: one target.
    const created = await tenant.request('POST', '/v1/agents', { ...base, transfer_numbers: ['+1 (415) 555-0170', '+14155550170'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.transfer_numbers).toEqual(['+14155550170']);
    const patched = await tenant.request('PATCH', `/v1/agents/${created.body.id}`, { transfer_numbers: ['hello'] });
    expect(patched.status).toBe(400);
  });

  it('refuses a flow whose transfer target, written out, is not a number or not in transfer_numbers, naming the node', async () => {
    const fixed = (to: string) => ({ start: 'move', nodes: { move: { type: 'transfer', to, mode: 'cold', text: 'Transferring you now.' } } });
    const base = { name: 'Desk', kind: 'flow', greeting: null };
    for (const [to, numbers] of [['+14155550170', ['+14155550171']], ['+14155550170', null], ['the front desk', ['+14155550170']]] as const) {
      const refused = await tenant.request('POST', '/v1/agents', { ...base, flow: fixed(to), transfer_numbers: numbers });
      expect(refused.status, `${to} ${JSON.stringify(numbers)}`).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'AGENT_INVALID', details: { problems: [{ node: 'move', field: 'to' }] } });
    }
    expect((await tenant.request('POST', '/v1/agents', { ...base, flow: fixed('+1 415 555 0170'), transfer_numbers: ['+14155550170'] })).status).toBe(201);
    // A target from the call's variables is checked on the call.
    expect((await tenant.request('POST', '/v1/agents', { ...base, flow: fixed('{{target}}') })).status).toBe(201);
  });
});

describe('a call that ends under a transfer on the sim', () => {
  const pending = async (callId: string) => {
    for (let i = 0; i < 200; i++) {
      const { body } = await tenant.request('GET', `/v1/calls/${callId}`);
      if (body.transfer?.outcome === 'pending') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the transfer never started');
  };
  const start = async (mode: 'cold' | 'warm', target: string, extra: Record<string, unknown> = {}) => {
    const agent = await tenant.agent({ kind: 'flow', flow: transferFlow(mode), greeting: null, transfer_numbers: [target] });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables: { name: 'Ana', target }, ...extra });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  };
  const ending = async (callId: string) => {
    const ended = await tenant.waitForEnd(callId);
    const types = ((await tenant.request('GET', `/v1/calls/${callId}/events`)).body.data as { type: string }[]).map((e) => e.type);
    return { ended, types };
  };

  it('a cancel while the target talks closes the leg answered, before the call ends', async () => {
    const id = await start('cold', '+14155550170');
    await pending(id);
    // The target picks up after 2 s of simulated ring (50 ms here) and talks for 30 s (750 ms).
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await tenant.request('POST', `/v1/calls/${id}/cancel`)).status).toBeLessThan(300);
    const { ended, types } = await ending(id);
    expect(ended.transfer).toMatchObject({ outcome: 'answered', ended_at: expect.any(String) });
    expect(ended.transfer.leg_duration_s).toBeLessThan(30);
    expect(types.indexOf('call.transferred')).toBeGreaterThan(-1);
    expect(types.indexOf('call.transferred')).toBeLessThan(types.length - 1);
  });

  it('a cancel while a warm target rings cancels the leg and the call without waiting out the ring', async () => {
    // Ending in 2: rings for the whole 30 s ring timeout.
    const id = await start('warm', '+14155550182');
    await pending(id);
    expect((await tenant.request('POST', `/v1/calls/${id}/cancel`)).status).toBeLessThan(300);
    const { ended, types } = await ending(id);
    expect(ended.status).toBe('canceled');
    expect(ended.transfer).toMatchObject({ outcome: 'canceled', ended_at: expect.any(String) });
    expect(types).toContain('call.transferred');
  });

  it("the agent's time limit stops at the hand-over: the person talks as long as they like", async () => {
    const id = await start('cold', '+14155550170', { max_duration_s: 15 });
    const { ended } = await ending(id);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'transferred' });
    expect(ended.transfer).toMatchObject({ outcome: 'answered', leg_duration_s: 30 });
  });
});
