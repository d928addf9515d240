/** Bad input gets a clear 4xx naming the problem; keys see only their organisation; idempotency holds. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley, type Tenant } from '../support/parley.js';

let t: TestParley;
let tenant: Tenant;
let agentId: string;

beforeAll(async () => {
  t = await startTestParley({ env: { PARLEY_WORKER: 'off' } });
  tenant = await t.tenant();
  agentId = (await tenant.agent({ greeting: 'Hi {{customer_name}}, about {{appointment_date}}.', default_variables: { appointment_date: 'your visit' } })).id;
});
afterAll(() => t?.close());

const valid = () => ({ agent_id: agentId, to: '+14155550100', variables: { customer_name: 'Ana' } });

async function expectError(response: { status: number; body: any }, status: number, code: string, field?: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(typeof response.body.error.message).toBe('string');
  if (field) expect(JSON.stringify(response.body.error)).toContain(field);
}

describe('POST /v1/calls validation', () => {
  it.each([
    ['not a number', 'INVALID_PHONE_NUMBER'],
    ['4155550100', 'INVALID_PHONE_NUMBER'],
    ['+15555550100', 'INVALID_PHONE_NUMBER'],
    ['+1415555010', 'INVALID_PHONE_NUMBER'],
  ])('refuses "to" = %s', async (to, code) => {
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), to }), 400, code, 'to');
  });

  it('refuses more than 25 variables, naming the limit', async () => {
    const variables = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`v${i}`, i]));
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), variables: { ...variables, customer_name: 'x' } }), 400, 'VARIABLES_TOO_MANY', 'variables');
  });

  it('refuses variables that are not string, number or boolean', async () => {
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), variables: { customer_name: { nested: true } } }), 400, 'VALIDATION_FAILED', 'variables.customer_name');
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), variables: { customer_name: null } }), 400, 'VALIDATION_FAILED', 'variables.customer_name');
  });

  it('answers 404 for an unknown agent', async () => {
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), agent_id: 'agent_nope' }), 404, 'AGENT_NOT_FOUND');
  });

  it('answers 422 naming the placeholders the call does not fill (defaults count)', async () => {
    const response = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100' });
    await expectError(response, 422, 'VARIABLES_MISSING');
    expect(response.body.error.details.missing).toEqual(['customer_name']);
  });

  it('refuses malformed JSON, wrong types, unknown fields and oversized bodies', async () => {
    await expectError(await tenant.request('POST', '/v1/calls', '{"agent_id": '), 400, 'INVALID_JSON');
    // Where the JSON broke, and what the parser expected there; never the body's own words.
    const trailing = await tenant.request('POST', '/v1/calls', '{"agent_id": "a", "to": "+14155550100",}');
    await expectError(trailing, 400, 'INVALID_JSON');
    expect(trailing.body.error.message).toMatch(/expected double-quoted property name, at position 39/);
    expect(trailing.body.error.details.position).toBe(39);
    const unterminated = await tenant.request('POST', '/v1/calls', '{"to": "+14155550100');
    expect(unterminated.body.error.message).not.toContain('4155550100');
    // An unknown key is the field named; an empty body says so.
    const unknown = await tenant.request('POST', '/v1/calls', { ...valid(), voicemail: {} });
    await expectError(unknown, 400, 'VALIDATION_FAILED', 'voicemail');
    expect(unknown.body.error.message).toBe('Invalid body: "voicemail" is not a field this request takes');
    const empty = await tenant.request('POST', '/v1/agents', '', { 'content-type': 'application/json' });
    expect(empty.body.error.message).toBe('Invalid body: "body" is missing: send a JSON object');
    // Of a union (a JSON list or a CSV), the alternative the body came closest to speaks.
    await expectError(await tenant.request('POST', '/v1/do-not-call', { number: '+14155550100' }), 400, 'VALIDATION_FAILED', 'numbers');
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), to: 14155550100 }), 400, 'VALIDATION_FAILED', 'to');
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), max_duration_s: 'long' }), 400, 'VALIDATION_FAILED', 'max_duration_s');
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), scheduled_for: 'tomorrow' }), 400, 'VALIDATION_FAILED', 'scheduled_for');
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), scheduled_for: '2024-01-01T01:01:01Z' }), 422, 'SCHEDULE_IN_PAST', 'scheduled_for');
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), agnet_id: 'x' }), 400, 'VALIDATION_FAILED', 'agnet_id');
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), metadata: { blob: 'x'.repeat(600_000) } }), 413, 'BODY_TOO_LARGE');
    await expectError(await tenant.request('POST', '/v1/calls', 'agent_id=1', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // Forms are Twilio's callbacks' alone: a form to the API is refused, not parsed as the body.
    await expectError(await tenant.request('POST', '/v1/calls', 'agent_id=1&to=%2B14155550100', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('leaves no half-written call behind a refused request', async () => {
    const before = (await tenant.request('GET', '/v1/calls?limit=100')).body.data.length;
    await tenant.request('POST', '/v1/calls', { ...valid(), to: 'bad' });
    await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100' });
    expect((await tenant.request('GET', '/v1/calls?limit=100')).body.data.length).toBe(before);
  });

  it('refuses a "from" number the organisation does not own', async () => {
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), from: '+14155550199' }), 422, 'FROM_NUMBER_NOT_OWNED', 'from');
  });

  it('refuses a call whose agent has no number, saying how to add one', async () => {
    const bare = await tenant.request('POST', '/v1/agents', { name: 'No number', prompt: 'x' });
    const response = await tenant.request('POST', '/v1/calls', { agent_id: bare.body.id, to: '+14155550100' });
    await expectError(response, 422, 'NO_CALLER_NUMBER');
    expect(response.body.error.message).toContain('/v1/phone-numbers');
  });

  it("defaults 'from' to the agent's number", async () => {
    const agent = await tenant.agent({ greeting: null });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    expect(created.body.from).toBe(agent.number);
  });
});

describe('Idempotency-Key', () => {
  it('returns the same call for ten identical requests in parallel', async () => {
    const key = `idem-${Date.now()}`;
    const responses = await Promise.all(Array.from({ length: 10 }, () => tenant.request('POST', '/v1/calls', valid(), { 'idempotency-key': key })));
    const ids = new Set(responses.map((response) => response.body.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((response) => response.status === 201)).toHaveLength(1);
    expect(responses.filter((response) => response.status === 200)).toHaveLength(9);
    const listed = await tenant.request('GET', '/v1/calls?limit=100');
    expect(listed.body.data.filter((c: { id: string }) => ids.has(c.id))).toHaveLength(1);
  });

  it('refuses the same key for a different request', async () => {
    const key = `idem-diff-${Date.now()}`;
    await tenant.request('POST', '/v1/calls', valid(), { 'idempotency-key': key });
    await expectError(await tenant.request('POST', '/v1/calls', { ...valid(), to: '+14155550106' }, { 'idempotency-key': key }), 422, 'IDEMPOTENCY_KEY_REUSED');
  });
});

describe('API keys and organisations', () => {
  it('needs a key, and a valid one', async () => {
    const anonymous = await fetch(`${t.url}/v1/calls`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('UNAUTHENTICATED');
    const wrong = await fetch(`${t.url}/v1/calls`, { headers: { authorization: 'Bearer pk_not_a_real_key_at_all' } });
    expect(wrong.status).toBe(401);
  });

  it('enforces scopes, shows keys once, stores only a prefix, and revokes', async () => {
    const created = await tenant.request('POST', '/v1/api-keys', { name: 'reader', scopes: ['calls:read'] });
    expect(created.status).toBe(201);
    const readerKey: string = created.body.key;
    expect(readerKey.startsWith(created.body.prefix)).toBe(true);
    const listed = await tenant.request('GET', '/v1/api-keys');
    expect(JSON.stringify(listed.body)).not.toContain(readerKey);
    const asReader = (method: string, path: string, body?: unknown) =>
      fetch(`${t.url}${path}`, { method, headers: { authorization: `Bearer ${readerKey}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    expect((await asReader('GET', '/v1/calls')).status).toBe(200);
    const forbidden = await asReader('POST', '/v1/calls', valid());
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe('FORBIDDEN_SCOPE');
    const revoked = await tenant.request('DELETE', `/v1/api-keys/${created.body.id}`);
    expect((await asReader('GET', '/v1/calls')).status).toBe(401);
    // Revoked again: it keeps when it was first revoked.
    const again = await tenant.request('DELETE', `/v1/api-keys/${created.body.id}`);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
  });

  it("answers 404, not 403, for another organisation's resources", async () => {
    const other = await t.tenant();
    const created = await tenant.request('POST', '/v1/calls', valid());
    await expectError(await other.request('GET', `/v1/calls/${created.body.id}`), 404, 'CALL_NOT_FOUND');
    await expectError(await other.request('POST', `/v1/calls/${created.body.id}/cancel`), 404, 'CALL_NOT_FOUND');
    await expectError(await other.request('GET', `/v1/agents/${agentId}`), 404, 'AGENT_NOT_FOUND');
    await expectError(await other.request('POST', '/v1/calls', valid()), 404, 'AGENT_NOT_FOUND');
    expect((await other.request('POST', '/v1/calls/bulk-get', { ids: [created.body.id] })).body).toEqual({ data: [], not_found: [created.body.id] });
    expect((await other.request('GET', '/v1/calls')).body.data).toEqual([]);
  });
});

describe('listing calls', () => {
  it('filters by status, agent and number, and pages with a cursor', async () => {
    const lister = await t.tenant();
    const agent = await lister.agent({ greeting: null });
    const other = await lister.agent({ greeting: null });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await lister.request('POST', '/v1/calls', { agent_id: agent.id, to: `+1415555010${i}` })).body.id);
    await lister.request('POST', '/v1/calls', { agent_id: other.id, to: '+14155550100' });
    await lister.request('POST', `/v1/calls/${made[0]}/cancel`);

    const page1 = await lister.request('GET', `/v1/calls?agent_id=${agent.id}&limit=2`);
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.has_more).toBe(true);
    const page2 = await lister.request('GET', `/v1/calls?agent_id=${agent.id}&limit=2&cursor=${page1.body.next_cursor}`);
    const page3 = await lister.request('GET', `/v1/calls?agent_id=${agent.id}&limit=2&cursor=${page2.body.next_cursor}`);
    expect(page3.body.has_more).toBe(false);
    const seen = [...page1.body.data, ...page2.body.data, ...page3.body.data].map((c: { id: string }) => c.id);
    expect(new Set(seen)).toEqual(new Set(made));

    expect((await lister.request('GET', '/v1/calls?status=canceled')).body.data.map((c: { id: string }) => c.id)).toEqual([made[0]]);
    expect((await lister.request('GET', '/v1/calls?number=%2B14155550103')).body.data).toHaveLength(1);
    expect((await lister.request('GET', `/v1/calls?created_after=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body.data).toHaveLength(0);
    await expectError(await lister.request('GET', '/v1/calls?status=ringing,exploded'), 400, 'VALIDATION_FAILED', 'exploded');
    await expectError(await lister.request('GET', '/v1/calls?cursor=garbage'), 400, 'VALIDATION_FAILED', 'cursor');
    const bulk = await lister.request('POST', '/v1/calls/bulk-get', { ids: [made[1], made[2], 'call_missing'] });
    expect(bulk.body.data).toHaveLength(2);
    expect(bulk.body.not_found).toEqual(['call_missing']);
  });
});

describe('agents, numbers and hooks', () => {
  it('creates, reads, updates and deletes an agent', async () => {
    const created = await tenant.request('POST', '/v1/agents', { name: 'CRUD', prompt: 'p' });
    expect(created.status).toBe(201);
    const patched = await tenant.request('PATCH', `/v1/agents/${created.body.id}`, { greeting: 'Hello!' });
    expect(patched.body).toMatchObject({ name: 'CRUD', greeting: 'Hello!', prompt: 'p' });
    expect((await tenant.request('DELETE', `/v1/agents/${created.body.id}`)).status).toBe(204);
    expect((await tenant.request('GET', `/v1/agents/${created.body.id}`)).status).toBe(404);
    await expectError(await tenant.request('POST', '/v1/agents', { prompt: 'no name' }), 400, 'VALIDATION_FAILED', 'name');
  });

  it('refuses to delete an agent a campaign may still dial as, or with a call still queued, then deletes it once they are over', async () => {
    const agent = await tenant.agent({ greeting: 'Hello.' });
    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Uses it', agent_id: agent.id })).body;
    await expectError(await tenant.request('DELETE', `/v1/agents/${agent.id}`), 409, 'AGENT_IN_USE');
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/cancel`);
    const queued = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', scheduled_for: new Date(Date.now() + 3_600_000).toISOString() });
    await expectError(await tenant.request('DELETE', `/v1/agents/${agent.id}`), 409, 'AGENT_IN_USE');
    await tenant.request('POST', `/v1/calls/${queued.body.id}/cancel`);
    expect((await tenant.request('DELETE', `/v1/agents/${agent.id}`)).status).toBe(204);
  });

  it('refuses a duplicate or invalid phone number and assigns numbers to agents', async () => {
    const agent = await tenant.agent();
    await expectError(await tenant.request('POST', '/v1/phone-numbers', { number: agent.number, carrier: 'sim' }), 409, 'PHONE_NUMBER_EXISTS');
    await expectError(await tenant.request('POST', '/v1/phone-numbers', { number: '+1555', carrier: 'sim' }), 400, 'INVALID_PHONE_NUMBER', 'number');
    await expectError(await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550142', carrier: 'pigeon' }), 400, 'VALIDATION_FAILED', 'carrier');
    const added = await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550142', carrier: 'sim' });
    const assigned = await tenant.request('PATCH', `/v1/phone-numbers/${added.body.id}`, { agent_id: agent.id });
    expect(assigned.body.agent_id).toBe(agent.id);
  });

  it('creates a call through an inbound hook token with no other credential, until revoked', async () => {
    const hooked = await tenant.agent({ greeting: 'Hi {{contact_name}}, about {{appointment_date}}.' });
    const hook = await tenant.request('POST', '/v1/hooks', { name: 'zapier' });
    expect(hook.status).toBe(201);
    const token: string = hook.body.token;
    const run = (body: unknown) => fetch(`${t.url}/v1/hooks/${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await run({ action: 'call.create', data: { agent_id: hooked.id, contact_number: '+14155550100', contact_name: 'Ana', additional_info: { appointment_date: 'Monday' } } });
    expect(ok.status).toBe(201);
    const body = await ok.json();
    expect(body).toMatchObject({ success: true, status: 'queued' });
    const stored = await tenant.request('GET', `/v1/calls/${body.call_id}`);
    expect(stored.body.variables).toEqual({ appointment_date: 'Monday', contact_name: 'Ana' });
    expect(stored.body.metadata).toMatchObject({ source: 'hook', hook_id: hook.body.id });
    expect((await run({ action: 'call.delete', data: {} })).status).toBe(400);
    expect(JSON.stringify(await tenant.request('GET', '/v1/hooks'))).not.toContain(token);
    await tenant.request('DELETE', `/v1/hooks/${hook.body.id}`);
    expect((await run({ action: 'call.create', data: { agent_id: hooked.id, contact_number: '+14155550100' } })).status).toBe(404);
  });
});

describe('service endpoints', () => {
  it('serves health, an OpenAPI 3.1 spec and metrics, and a JSON 404', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const spec = await (await fetch(`${t.url}/openapi.json`)).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/calls', '/v1/calls/{id}', '/v1/agents', '/v1/hooks/{token}']));
    expect(await (await fetch(`${t.url}/metrics`)).text()).toContain('process_cpu');
    const missing = await fetch(`${t.url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
  });
});
