/** Voicing AI's documented requests, replayed verbatim against /compat/voicing on a running Parley. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { loadCompatFixture } from './fixtures/schema.js';
import { shapeMismatches } from './fixtures/shape.js';
import { answerMismatches, replay, type ReplayValues, waitForCallsToEnd } from './replay.js';

const fixture = loadCompatFixture('voicing');
const example = (id: string) => fixture.examples.find((candidate) => candidate.id === id)!;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const docAssistantId = '019addcc-b878-7b10-85f1-49f21342f947';
const detailShape = fixture.endpoints.find((e) => e.id === 'get_call_details')!.responses[0]!.shape!;

let t: TestParley;
let tenant: Tenant;
let base: string;
let agentId: string;
let values: ReplayValues;

/** A request in Voicing's style: x-api-key, JSON. */
async function voicing(method: string, path: string, body?: unknown, key: string | null = tenant.key) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'x-api-key': key }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const publish = (body: Record<string, unknown>, key?: string | null) =>
  voicing('POST', '/api/v1/campaigns/publish-outbound-call', { assistant_id: agentId, phone_number: '+14155550100', telephony_provider: 'default', input_variables: { name: 'Ana', plan_type: 'Gold' }, ...body }, key);

beforeAll(async () => {
  t = await startTestParley();
  tenant = await t.tenant();
  base = `${t.url}/compat/voicing`;
  // The docs' example prompt; the agent is also mapped to the docs' assistant id.
  const agent = await tenant.agent({ name: 'Payments', greeting: 'Hi {{name}}, your {{plan_type}} plan payment is pending.', metadata: { external_ids: [docAssistantId] } });
  agentId = agent.id;
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await publish({})).body.call_id);
  values = { API_KEY: tenant.key, AGENT_ID: agentId, CALL_ID: ids };
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
  });

  it('publish answers a UUID call_id and the documented message', async () => {
    const answer = await replay(example('publish_outbound_call.curl'), base, values);
    expect(answer.body).toEqual({ status: 'success', message: 'Outbound call started successfully', call_id: expect.stringMatching(uuid) });
  });

  it('the body fragment alone is a 400 naming the first missing field', async () => {
    const answer = await replay(example('publish_outbound_call.input_variables_fragment'), base, values);
    expect(answer.body).toEqual({ detail: '"assistant_id" is required' });
  });

  it('the paginated list (undocumented shape) answers {success, page, limit, has_more, data: [call details]}', async () => {
    const answer = await replay(example('list_call_details.curl'), base, values);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, page: 1, limit: 100, has_more: false });
    const ids = answer.body.data.map((call: { call_id: string }) => call.call_id);
    for (const id of values.CALL_ID!) expect(ids).toContain(id);
    for (const call of answer.body.data) expect(shapeMismatches({ success: true, ...call }, detailShape, { allowNull: true })).toEqual([]);
  });

  it('bulk-by-ids answers each call under the id it was asked by', async () => {
    const answer = await replay(example('bulk_call_details.request_body'), base, values);
    expect(answer.body.data.map((call: { call_id: string }) => call.call_id).sort()).toEqual([...values.CALL_ID!].sort());
    expect(answer.body.not_found).toEqual([]);
  });

  it('bulk-by-ids answers every id sent, in the order sent, a call asked for in both spellings under each', async () => {
    const [uuid] = values.CALL_ID!;
    const native = (await voicing('GET', `/api/v1/campaigns/get-call-details/${uuid}`)).body;
    const spellings = [uuid!, uuid!.toUpperCase(), 'call_nope', uuid!];
    const answer = await voicing('POST', '/api/v1/campaigns/get-call-details/bulk-by-ids', { call_ids: spellings });
    expect(answer.body.data.map((call: { call_id: string }) => call.call_id)).toEqual([uuid, uuid!.toUpperCase()]);
    expect(answer.body.not_found).toEqual(['call_nope']);
    expect(native.success).toBe(true);
  });
});

describe('a call published through Voicing', () => {
  it('completes with input_variables in the greeting and is the same call on the native API', async () => {
    const answer = await replay(example('publish_outbound_call.javascript'), base, values);
    const native = await tenant.waitForEnd(await newestCallId());
    expect(native.status).toBe('completed');
    expect(native.transcript[0]).toMatchObject({ role: 'agent', text: 'Hi John Doe, your Premium plan payment is pending.' });
    expect(native.metadata).toEqual({ compat: { vendor: 'voicing', fields: { telephony_provider: 'default' } } });

    const done = await voicing('GET', `/api/v1/campaigns/get-call-details?call_id=${answer.body.call_id}`);
    expect(done.body).toMatchObject({ success: true, call_id: answer.body.call_id, status: 'completed', assistant_id: agentId, input_variables: { name: 'John Doe', plan_type: 'Premium' } });
    expect(done.body.duration).toBe(native.duration_s);
    expect(done.body.started_at).toBe(native.answered_at);
    expect(done.body.ended_at).toBe(native.ended_at);
    expect(shapeMismatches(done.body, detailShape)).toEqual([]);
    // The native id names the same call, as a query or a path parameter.
    const byNative = await voicing('GET', `/api/v1/campaigns/get-call-details/${native.id}`);
    expect(byNative.body).toEqual({ ...done.body, call_id: native.id });
  });

  it('runs with the docs\' own assistant id once it is mapped in the agent\'s metadata.external_ids', async () => {
    const answer = await publish({ assistant_id: docAssistantId });
    expect(answer.status).toBe(200);
    const details = await voicing('GET', `/api/v1/campaigns/get-call-details?call_id=${answer.body.call_id}`);
    expect(details.body.assistant_id).toBe(agentId);
  });

  it('pages the list with page and limit, newest first', async () => {
    const first = await voicing('GET', '/api/v1/campaigns/get-call-details?page=1&limit=2');
    const second = await voicing('GET', '/api/v1/campaigns/get-call-details?page=2&limit=2');
    expect(first.body.data).toHaveLength(2);
    expect(first.body.has_more).toBe(true);
    const all = await voicing('GET', '/api/v1/campaigns/get-call-details?page=1&limit=4');
    expect([...first.body.data, ...second.body.data].map((c: { call_id: string }) => c.call_id)).toEqual(all.body.data.map((c: { call_id: string }) => c.call_id));
    const beyond = await voicing('GET', '/api/v1/campaigns/get-call-details?page=500&limit=20');
    expect(beyond.body).toMatchObject({ success: true, data: [], has_more: false });
  });
});

describe('the chatbot WebSocket', () => {
  it('talks as the assistant, on the native chat protocol', async () => {
    const variables = encodeURIComponent(JSON.stringify({ name: 'Ana', plan_type: 'Gold' }));
    const socket = new WebSocket(`${base.replace('http', 'ws')}/api/v1/voicing/ws/platform/api/chatbot?assistant_id=${agentId}&input_variables=${variables}`, {
      headers: { 'Content-Type': 'application/json', 'x-api-key': tenant.key },
    });
    const events: any[] = [];
    socket.on('message', (raw) => {
      const event = JSON.parse(String(raw));
      events.push(event);
      if (event.type === 'agent_message' && events.filter((e) => e.type === 'agent_message').length === 1) socket.send(JSON.stringify({ type: 'message', text: 'Okay, thanks.' }));
    });
    await new Promise((resolve) => socket.on('close', resolve));
    const said = events.filter((e) => e.type === 'agent_message').map((e) => e.text);
    expect(said[0]).toBe('Hi Ana, your Gold plan payment is pending.');
    expect(said[1]).toBe('Thank you, goodbye!');
    expect(events.at(-1)).toMatchObject({ type: 'ended' });
  });

  it('refuses the upgrade with the documented {detail} errors', async () => {
    const status = (query: string, key?: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${base.replace('http', 'ws')}/api/v1/voicing/ws/platform/api/chatbot${query}`, { headers: key ? { 'x-api-key': key } : {} });
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode!));
        socket.on('open', () => reject(new Error('upgraded')));
        socket.on('error', () => undefined);
      });
    expect(await status(`?assistant_id=${agentId}`)).toBe(401);
    expect(await status('?assistant_id=nope', tenant.key)).toBe(404);
    expect(await status('', tenant.key)).toBe(400);
  });
});

describe('the documented errors, as {detail}', () => {
  it('401 "Invalid API token" without a key, with a wrong key, or with a key lacking the scope', async () => {
    expect(await publish({}, null)).toEqual({ status: 401, body: { detail: 'Invalid API token' } });
    expect(await publish({}, 'pk_wrong')).toEqual({ status: 401, body: { detail: 'Invalid API token' } });
    const readOnly = await tenant.request('POST', '/v1/api-keys', { name: 'read', scopes: ['calls:read'] });
    const scoped = await publish({}, readOnly.body.key);
    expect(scoped.status).toBe(401);
    expect(scoped.body.detail).toMatch(/^Invalid API token: .*calls:write/);
    expect((await voicing('GET', '/api/v1/campaigns/get-call-details?page=1', undefined, null)).status).toBe(401);
  });

  it('404 "Assistant with ID … not found" for an unknown assistant', async () => {
    expect(await publish({ assistant_id: '019addcc-0000-7b10-85f1-49f21342f947' })).toEqual({
      status: 404,
      body: { detail: 'Assistant with ID 019addcc-0000-7b10-85f1-49f21342f947 not found' },
    });
  });

  it('400 for invalid JSON, a missing field, a bad number or another telephony provider', async () => {
    const json = await voicing('POST', '/api/v1/campaigns/publish-outbound-call', '{"assistant_id": ');
    expect(json).toEqual({ status: 400, body: { detail: 'The request body is not valid JSON (unexpected end of JSON input)' } });
    expect(await publish({ telephony_provider: undefined })).toEqual({ status: 400, body: { detail: '"telephony_provider" is required' } });
    const masked = await publish({ phone_number: '7XXXXXXXX2' });
    expect(masked.status).toBe(400);
    expect(masked.body.detail).toContain('"phone_number"');
    const provider = await publish({ telephony_provider: 'twilio' });
    expect(provider.status).toBe(400);
    expect(provider.body.detail).toContain('"telephony_provider" must be "default"');
    const filter = await voicing('GET', '/api/v1/campaigns/get-call-details?page=1&status=completed');
    expect(filter.status).toBe(400);
    expect(filter.body.detail).toContain('status');
    const bulk = await voicing('POST', '/api/v1/campaigns/get-call-details/bulk-by-ids', { call_ids: 'CA781212' });
    expect(bulk.status).toBe(400);
    expect(Object.keys(bulk.body)).toEqual(['detail']);
  });

  it('a 422 of the core (agent without a number) is a 400, Voicing\'s bad-input status', async () => {
    const bare = await tenant.request('POST', '/v1/agents', { name: 'No number', prompt: 'Hi.' });
    const answer = await publish({ assistant_id: bare.body.id, input_variables: {} });
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toContain('no "from" number');
  });

  it('404 for a call that does not exist, {detail} for unknown routes', async () => {
    const missing = await voicing('GET', '/api/v1/campaigns/get-call-details?call_id=f4a0e9b1-1234-4e8a-9c56-abcdef123456');
    expect(missing.status).toBe(404);
    expect(Object.keys(missing.body)).toEqual(['detail']);
    const route = await voicing('GET', '/api/v1/campaigns/nothing-here');
    expect(route.status).toBe(404);
    expect(Object.keys(route.body)).toEqual(['detail']);
  });

  it('500 {detail} when the call cannot be saved', async () => {
    await waitForCallsToEnd(tenant);
    await t.parley.database.sql.executeSql('ALTER TABLE calls RENAME TO calls_offline');
    try {
      const answer = await publish({});
      expect(answer).toEqual({ status: 500, body: { detail: 'Internal error' } });
    } finally {
      await t.parley.database.sql.executeSql('ALTER TABLE calls_offline RENAME TO calls');
    }
    expect((await publish({})).status).toBe(200);
  });
});

/** The native id of the newest call: the one a test just published (tests in a file run in order). */
async function newestCallId(): Promise<string> {
  const { body } = await tenant.request('GET', '/v1/calls?limit=1');
  return body.data[0].id;
}
