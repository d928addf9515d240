/** HuskyVoice's documented requests, replayed verbatim against /compat/huskyvoice on a running Parley. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { loadCompatFixture } from './fixtures/schema.js';
import { answerMismatches, replay, type ReplayValues, waitForCallsToEnd } from './replay.js';

const fixture = loadCompatFixture('huskyvoice');
const example = (id: string) => fixture.examples.find((candidate) => candidate.id === id)!;

let t: TestParley;
let tenant: Tenant;
let base: string;
let values: ReplayValues;

/** A request in HuskyVoice's style: Bearer key, JSON body. */
async function husky(method: string, path: string, body?: unknown, key?: string | null) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(key === null ? {} : { authorization: `Bearer ${key ?? tenant.key}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  t = await startTestParley();
  tenant = await t.tenant();
  base = `${t.url}/compat/huskyvoice`;
  // The docs' prompt, as a greeting, with defaults so the hook examples (no additional_info) run too.
  const agent = await tenant.agent({
    name: 'Husky reminder',
    greeting: 'Hi {{customer_name}}, this is a reminder that your appointment is scheduled for {{appointment_date}}. The purpose of your visit is {{purpose}}.',
    default_variables: { customer_name: 'there', appointment_date: 'soon', purpose: 'a check-up' },
  });
  const hook = await tenant.request('POST', '/v1/hooks', { name: 'n8n' });
  expect(hook.status).toBe(201);
  values = { API_KEY: tenant.key, AGENT_ID: agent.id, HOOK_TOKEN: hook.body.token };
});
afterAll(async () => {
  if (tenant) await waitForCallsToEnd(tenant);
  await t?.close();
});

describe('every documented example', () => {
  it.each(fixture.examples.map((e) => [e.id, e] as const))('%s gets its documented answer', async (_id, ex) => {
    const answer = await replay(ex, base, values);
    expect(answer.status, JSON.stringify(answer.body)).toBe(ex.expected_response.status);
    expect(answerMismatches(fixture, ex, answer.body)).toEqual([]);
    expect(answer.body).toMatchObject({ success: true, status: 'queued', message: 'Call has been queued successfully.' });
    expect(answer.body.call_id).toMatch(/^call_/);
  });
});

describe('a call placed through HuskyVoice', () => {
  it('completes on the simulated network with additional_info as its variables', async () => {
    const placed = await replay(example('create_call.additional_info_body'), base, values);
    const ended = await tenant.waitForEnd(placed.body.call_id);
    expect(ended.status).toBe('completed');
    expect(ended.transcript[0]).toMatchObject({
      role: 'agent',
      text: 'Hi Charlie, this is a reminder that your appointment is scheduled for 12th May 2026. The purpose of your visit is Appointment Confirmation.',
    });
    expect(ended.variables).toEqual({ customer_name: 'Charlie', appointment_date: '12th May 2026', purpose: 'Appointment Confirmation' });
    expect(ended.metadata).toEqual({ compat: { vendor: 'huskyvoice' } });

    const status = await husky('GET', `/v1/calls/${placed.body.call_id}`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ success: true, call_id: placed.body.call_id, status: 'completed', contact_number: '+14155550100', additional_info: ended.variables });
    expect(status.body.transcript[0].text).toContain('Hi Charlie');
  });

  it('through the inbound webhook, links the contact by name and says so in its metadata', async () => {
    const placed = await replay(example('hook_call_create.javascript'), base, values);
    const ended = await tenant.waitForEnd(placed.body.call_id);
    expect(ended.status).toBe('completed');
    expect(ended.transcript[0].text).toBe('Hi there, this is a reminder that your appointment is scheduled for soon. The purpose of your visit is a check-up.');
    expect(ended.variables).toEqual({ contact_name: 'Charlie' });
    expect(ended.metadata).toMatchObject({ source: 'hook', contact_name: 'Charlie', compat: { vendor: 'huskyvoice' } });
    const contact = await tenant.request('GET', `/v1/contacts/${ended.contact_id}`);
    expect(contact.body).toMatchObject({ phone_number: '+14155550100', first_name: 'Charlie' });
  });

  it('keeps fields Parley has no use for in metadata.compat', async () => {
    const placed = await husky('POST', '/v1/calls', { agent_id: values.AGENT_ID, contact_number: '+14155550106', campaign: 'spring', priority: 2 });
    expect(placed.status).toBe(200);
    const call = await tenant.request('GET', `/v1/calls/${placed.body.call_id}`);
    expect(call.body.metadata).toEqual({ compat: { vendor: 'huskyvoice', fields: { campaign: 'spring', priority: 2 } } });
  });

  it('finds an agent by its name too', async () => {
    const placed = await husky('POST', '/v1/calls', { agent_id: 'Husky reminder', contact_number: '+14155550107' });
    expect(placed.status).toBe(200);
    expect((await tenant.request('GET', `/v1/calls/${placed.body.call_id}`)).body.agent_id).toBe(values.AGENT_ID);
  });

  it('can be canceled while it rings', async () => {
    const placed = await husky('POST', '/v1/calls', { agent_id: values.AGENT_ID, contact_number: '+14155550102' });
    const deadline = Date.now() + 10_000;
    while ((await husky('GET', `/v1/calls/${placed.body.call_id}`)).body.status !== 'ringing') {
      if (Date.now() > deadline) throw new Error('never rang');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const canceled = await husky('POST', `/v1/calls/${placed.body.call_id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ success: true, call_id: placed.body.call_id });
    expect((await tenant.waitForEnd(placed.body.call_id)).status).toBe('canceled');
    const again = await husky('POST', `/v1/calls/${placed.body.call_id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ success: false, error: { code: 'CALL_NOT_CANCELABLE' } });
  });
});

describe('refusals, in HuskyVoice shape ({success:false, message, error})', () => {
  it('401 without a key or with a wrong one', async () => {
    for (const key of [null, 'pk_not_a_key']) {
      const answer = await husky('POST', '/v1/calls', { agent_id: values.AGENT_ID, contact_number: '+14155550100' }, key);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ success: false, error: { code: 'UNAUTHENTICATED' } });
      expect(answer.body.message).toBe(answer.body.error.message);
    }
  });

  it('400 naming contact_number when it is missing or not a number', async () => {
    const missing = await husky('POST', '/v1/calls', { agent_id: values.AGENT_ID });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.field).toBe('contact_number');
    const invalid = await husky('POST', '/v1/calls', { agent_id: values.AGENT_ID, contact_number: '+1234567890' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ success: false, error: { code: 'INVALID_PHONE_NUMBER', details: { field: 'contact_number' } } });
    expect(invalid.body.message).toContain('"contact_number"');
    // Of the wrong type is not missing: the answer says which.
    const number = await husky('POST', '/v1/calls', { agent_id: values.AGENT_ID, contact_number: 14155550100 });
    expect(number.status).toBe(400);
    expect(number.body.error.message).toMatch(/"contact_number" .*expected string, received number/);
  });

  it('400, not a second call, for an Idempotency-Key longer than 255 characters', async () => {
    const response = await fetch(`${base}/v1/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(300) },
      body: JSON.stringify({ agent_id: values.AGENT_ID, contact_number: '+14155550100' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'Idempotency-Key' } });
  });

  it('400 for more than 25 additional_info pairs', async () => {
    const info = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, 'v']));
    const answer = await husky('POST', '/v1/calls', { agent_id: values.AGENT_ID, contact_number: '+14155550100', additional_info: info });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'VARIABLES_TOO_MANY', details: { field: 'additional_info' } });
  });

  it('400 for an additional_info value that is not a string, number or boolean', async () => {
    const answer = await husky('POST', '/v1/calls', { agent_id: values.AGENT_ID, contact_number: '+14155550100', additional_info: { nested: { a: 1 } } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toBe('additional_info.nested');
  });

  it('404 for an agent the organisation does not have', async () => {
    const answer = await husky('POST', '/v1/calls', { agent_id: 'agent_123', contact_number: '+14155550100' });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'AGENT_NOT_FOUND', details: { field: 'agent_id' } });
  });

  it('422 when the agent has no phone number ("your call will not go through")', async () => {
    const bare = await tenant.request('POST', '/v1/agents', { name: 'No number', prompt: 'Hi.' });
    const answer = await husky('POST', '/v1/calls', { agent_id: bare.body.id, contact_number: '+14155550100' });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('NO_CALLER_NUMBER');
  });

  it('400 for a body that is not JSON', async () => {
    const answer = await husky('POST', '/v1/calls', '{"agent_id": ');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ success: false, error: { code: 'INVALID_JSON' } });
  });

  it('hooks: 404 for an unknown token, 400 for another action or a missing number', async () => {
    const unknown = await husky('POST', '/v1/hooks/hk_nope', { action: 'call.create', data: { agent_id: values.AGENT_ID, contact_number: '+14155550100' } }, null);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, error: { code: 'HOOK_NOT_FOUND' } });
    const action = await husky('POST', `/v1/hooks/${values.HOOK_TOKEN}`, { action: 'call.delete', data: { contact_number: '+14155550100' } }, null);
    expect(action.status).toBe(400);
    expect(action.body.error.details.field).toBe('action');
    const number = await husky('POST', `/v1/hooks/${values.HOOK_TOKEN}`, { action: 'call.create', data: { agent_id: values.AGENT_ID } }, null);
    expect(number.status).toBe(400);
    expect(number.body.error.details.field).toBe('data.contact_number');
    const invalid = await husky('POST', `/v1/hooks/${values.HOOK_TOKEN}`, { action: 'call.create', data: { agent_id: values.AGENT_ID, contact_number: '+1234567890' } }, null);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.field).toBe('data.contact_number');
  });

  it('keeps the native OpenAPI spec free of compat routes', async () => {
    const spec = (await (await fetch(`${t.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain('/v1/calls');
    expect(Object.keys(spec.paths).filter((path) => path.startsWith('/compat'))).toEqual([]);
  });

  it('404 for the status of a call of another organisation', async () => {
    const other = await t.tenant();
    const placed = await husky('POST', '/v1/calls', { agent_id: values.AGENT_ID, contact_number: '+14155550108' });
    const answer = await husky('GET', `/v1/calls/${placed.body.call_id}`, undefined, other.key);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('CALL_NOT_FOUND');
  });
});
