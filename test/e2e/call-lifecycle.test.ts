/** API -> queue -> simulated carrier -> conversation -> terminal status, over real HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley, type Tenant } from '../support/parley.js';

let t: TestParley;
let tenant: Tenant;
let agentId: string;

const greeting = 'Hi {{customer_name}}, this is a reminder that your appointment is scheduled for {{appointment_date}}.';
const variables = { customer_name: 'Ana', appointment_date: 'Tuesday at 3 PM' };

beforeAll(async () => {
  t = await startTestParley();
  tenant = await t.tenant();
  agentId = (await tenant.agent({ name: 'Reminder', prompt: 'You remind {{customer_name}} of an appointment.', greeting })).id;
});
afterAll(() => t?.close());

async function call(to: string, extra: Record<string, unknown> = {}) {
  const created = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to, variables, ...extra });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.status).toBe('queued');
  return created.body;
}

describe('a call to a person on the simulated network', () => {
  it('completes with the rendered greeting as the agent\'s first turn', async () => {
    const created = await call('+14155550100');
    const ended = await tenant.waitForEnd(created.id);
    expect(ended.status).toBe('completed');
    expect(ended.end_reason).toBe('agent_ended');
    expect(ended.transcript[0]).toMatchObject({
      role: 'agent',
      text: 'Hi Ana, this is a reminder that your appointment is scheduled for Tuesday at 3 PM.',
    });
    expect(ended.transcript[1]).toMatchObject({ role: 'contact', text: 'Yes, that works for me.' });
    for (const turn of ended.transcript) expect(turn.offset_ms).toBeGreaterThanOrEqual(0);
    const offsets = ended.transcript.map((turn: { offset_ms: number }) => turn.offset_ms);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    expect(ended.answered_at).not.toBeNull();
    expect(ended.ended_at).not.toBeNull();
    expect(ended.duration_s).toBeGreaterThanOrEqual(0);
    expect(new Date(ended.ended_at).getTime()).toBeGreaterThanOrEqual(new Date(ended.answered_at).getTime());
  });

  it('persists every transition as an event, in order', async () => {
    const created = await call('+14155550106');
    await tenant.waitForAnalysis(created.id);
    const { body } = await tenant.request('GET', `/v1/calls/${created.id}/events`);
    const statuses = body.data.filter((event: { data: { status?: string } }) => event.data.status).map((event: { type: string }) => event.type);
    expect(statuses).toEqual(['call.queued', 'call.dialing', 'call.ringing', 'call.in_progress', 'call.completed']);
    expect(body.data.at(-1).type).toBe('call.analyzed');
  });

  it('lets the callee speak first when the agent is set to wait', async () => {
    const waiting = await tenant.agent({ first_speaker: 'contact', greeting: 'Hi, this is Parley calling for {{customer_name}}.' });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: waiting.id, to: '+14155550107', variables });
    const ended = await tenant.waitForEnd(created.body.id);
    expect(ended.transcript[0]).toMatchObject({ role: 'contact', text: 'Hello?' });
    expect(ended.transcript[1]).toMatchObject({ role: 'agent', text: 'Hi, this is Parley calling for Ana.' });
  });

  it('uses a persona registered for the number', async () => {
    const registered = await tenant.request('POST', '/v1/sim/personas', { number: '+14155550108', replies: ['Who is this?'], after_replies: 'hang_up' });
    expect(registered.status).toBe(201);
    const created = await call('+14155550108');
    const ended = await tenant.waitForEnd(created.id);
    expect(ended.transcript[1]).toMatchObject({ role: 'contact', text: 'Who is this?' });
  });
});

describe('the simulated network decides by the last digit', () => {
  it.each([
    ['+14155550101', 'busy', 'busy'],
    ['+14155550102', 'no_answer', 'no_answer'],
    ['+14155550103', 'voicemail', 'voicemail_detected'],
    ['+14155550104', 'completed', 'contact_hung_up'],
    ['+14155550105', 'failed', 'carrier_failed'],
  ])('%s ends %s', async (to, status, endReason) => {
    const created = await call(to);
    const ended = await tenant.waitForEnd(created.id);
    expect(ended.status).toBe(status);
    expect(ended.end_reason).toBe(endReason);
    // A machine the agent leaves no message on is hung up on at the verdict: nothing is said, nothing heard.
    if (status === 'voicemail') {
      expect(ended.transcript).toEqual([]);
      expect(ended.amd).toEqual({ verdict: 'machine', source: 'carrier', reason: 'machine_at_answer', time_to_verdict_ms: 0 });
    }
    if (endReason === 'contact_hung_up') expect(ended.transcript).toHaveLength(1);
  });

  it('leaves a message on the answering machine when the agent is set to', async () => {
    const leaving = await tenant.agent({ voicemail: { action: 'leave_message', message: 'Hi {{customer_name}}, please call us back.' } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: leaving.id, to: '+14155550113', variables });
    const ended = await tenant.waitForEnd(created.body.id);
    expect(ended.status).toBe('completed');
    expect(ended.end_reason).toBe('voicemail_message_left');
    expect(ended.transcript.at(-1)).toMatchObject({ role: 'agent', text: 'Hi Ana, please call us back.' });
  });
});

describe('cancel', () => {
  it('cancels a queued call before it is dialled', async () => {
    const created = await call('+14155550100', { scheduled_for: new Date(Date.now() + 3_600_000).toISOString() });
    const canceled = await tenant.request('POST', `/v1/calls/${created.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', end_reason: 'canceled' });
    const again = await tenant.request('POST', `/v1/calls/${created.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CALL_NOT_CANCELABLE');
  });

  it('cancels a ringing call', async () => {
    const created = await call('+14155550102');
    await waitForStatus(created.id, 'ringing');
    await tenant.request('POST', `/v1/calls/${created.id}/cancel`);
    const ended = await tenant.waitForEnd(created.id);
    expect(ended).toMatchObject({ status: 'canceled', end_reason: 'canceled', answered_at: null });
  });

  it('cancels a live call', async () => {
    await tenant.request('POST', '/v1/sim/personas', { number: '+14155550109', replies: Array(20).fill('Tell me more about that, please, slowly and in detail.'), words_per_minute: 60 });
    const created = await call('+14155550109');
    await waitForStatus(created.id, 'in_progress');
    // Two cancels at once: both answered, one request on record.
    const both = await Promise.all([0, 1].map(() => tenant.request('POST', `/v1/calls/${created.id}/cancel`)));
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const ended = await tenant.waitForEnd(created.id);
    expect(ended).toMatchObject({ status: 'canceled', end_reason: 'canceled' });
    expect(ended.answered_at).not.toBeNull();
    const types = ((await tenant.request('GET', `/v1/calls/${created.id}/events`)).body.data as { type: string }[]).map((e) => e.type);
    expect(types.filter((type) => type === 'call.cancel_requested')).toHaveLength(1);
    expect((await tenant.request('POST', `/v1/calls/${created.id}/cancel`)).status).toBe(409);
  });
});

describe('deleting a phone number', () => {
  it('keeps the ended calls placed from it (their from number stays), and refuses while calls from it are queued', async () => {
    const agent = await tenant.agent({ name: 'Short-lived', prompt: 'Hi.', greeting: 'Hello.' });
    const [number] = (await tenant.request('GET', `/v1/phone-numbers?agent_id=${agent.id}`)).body.data as { id: string; number: string }[];
    const busy = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550101' });
    const ended = await tenant.waitForEnd(busy.body.id);
    const later = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', scheduled_for: new Date(Date.now() + 3_600_000).toISOString() });
    const refused = await tenant.request('DELETE', `/v1/phone-numbers/${number!.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('PHONE_NUMBER_IN_USE');
    await tenant.request('POST', `/v1/calls/${later.body.id}/cancel`);
    expect((await tenant.request('DELETE', `/v1/phone-numbers/${number!.id}`)).status).toBe(204);
    expect((await tenant.request('GET', `/v1/calls/${ended.id}`)).body).toMatchObject({ status: 'busy', from: number!.number });
  });
});

async function waitForStatus(id: string, status: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { body } = await tenant.request('GET', `/v1/calls/${id}`);
    if (body.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`call never reached ${status}`);
}
