/**
 * Authentication comes first (401 whatever the body), bad input is a 4xx naming the field (NUL,
 * lone surrogates, deep JSON, empty ids, malformed URLs), and every error has Parley's shape.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley, type Tenant } from '../support/parley.js';
import { dialectOperations, nativeOperations } from './fuzz/cases.js';

let t: TestParley;
let tenant: Tenant;
let agentId: string;

beforeAll(async () => {
  t = await startTestParley({ env: { PARLEY_WORKER: 'off' } });
  tenant = await t.tenant();
  agentId = (await tenant.agent()).id;
});
afterAll(() => t?.close());

async function send(method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.url}${path}`, { method, headers: options.headers ?? {}, body: options.body });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: response.status, body };
}

/** A raw request, for URLs fetch would normalise or refuse to send. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

function expectParleyError(response: { status: number; body: any }, status: number, code: string, field?: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body?.error?.code, JSON.stringify(response.body)).toBe(code);
  expect(typeof response.body.error.message).toBe('string');
  if (field !== undefined) expect(response.body.error.details?.field, JSON.stringify(response.body)).toBe(field);
}

describe('authentication first', () => {
  const json = { 'content-type': 'application/json' };

  it.each([
    ['no key', {}],
    ['a bad key', { authorization: 'Bearer pk_this_is_not_a_key' }],
  ])('answers 401 with %s whatever the body', async (_name, auth) => {
    for (const body of ['{"agent_id": ', '{}', '[]', JSON.stringify({ to: 5 }), 'x'.repeat(10)]) {
      expectParleyError(await send('POST', '/v1/calls', { body, headers: { ...json, ...auth } }), 401, 'UNAUTHENTICATED');
    }
    expectParleyError(await send('POST', '/v1/agents', { body: '{"name":', headers: { ...json, ...auth } }), 401, 'UNAUTHENTICATED');
    expectParleyError(await send('POST', '/v1/calls', { body: 'a=1', headers: { 'content-type': 'text/plain', ...auth } }), 401, 'UNAUTHENTICATED');
    expectParleyError(await send('POST', '/compat/huskyvoice/v1/calls', { body: '{', headers: { ...json, ...auth } }), 401, 'UNAUTHENTICATED');
  });

  it('answers 401 on every route of the spec and the dialects before looking at a malformed body', async () => {
    const spec = (await tenant.request('GET', '/openapi.json')).body;
    const fixtures = { agentId, callId: 'call_x', number: '+14155550100' };
    const operations = [...nativeOperations(spec, fixtures), ...dialectOperations(fixtures)].filter((operation) => operation.auth !== 'hook');
    expect(operations.length).toBeGreaterThan(40);
    for (const operation of operations) {
      const path = operation.path.replace(/\{\w+\}/g, 'x');
      const response = await send(operation.method, path, { body: operation.method === 'GET' ? undefined : '{"a":', headers: json });
      expect(response.status, `${operation.method} ${path}: ${JSON.stringify(response.body)}`).toBe(401);
    }
  });

  it('refuses an oversized body from a client without a key with 401, not 413', async () => {
    const big = JSON.stringify({ metadata: { blob: 'x'.repeat(600_000) } });
    expectParleyError(await send('POST', '/v1/calls', { body: big, headers: json }), 401, 'UNAUTHENTICATED');
    expectParleyError(await tenant.request('POST', '/v1/calls', big), 413, 'BODY_TOO_LARGE');
  });

  it('checks a hook token before its body', async () => {
    expectParleyError(await send('POST', '/v1/hooks/hk_unknown_token', { body: '{"action":', headers: json }), 404, 'HOOK_NOT_FOUND');
    expectParleyError(await send('POST', '/v1/hooks/hk_unknown_token', { body: 'x'.repeat(600_000), headers: json }), 404, 'HOOK_NOT_FOUND');
  });
});

describe('strings and documents the store cannot hold', () => {
  it('refuses NUL and lone surrogates in any body string, naming the field', async () => {
    expectParleyError(await tenant.request('POST', '/v1/agents', { name: 'a\u0000b', prompt: 'x' }), 400, 'INVALID_CHARACTERS', 'name');
    expectParleyError(await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100', metadata: { note: '\ud800x' } }), 400, 'INVALID_CHARACTERS', 'metadata.note');
    expectParleyError(await tenant.request('POST', '/v1/contacts', { phone_number: '+14155550100', custom_fields: { ['k\u0000']: 1 } }), 400, 'INVALID_CHARACTERS', 'custom_fields.k\u0000');
  });

  it('refuses NUL in path ids and query values', async () => {
    expectParleyError(await tenant.request('GET', '/v1/calls/%00'), 400, 'INVALID_CHARACTERS', 'id');
    expectParleyError(await tenant.request('GET', '/v1/calls?cursor=%00'), 400, 'INVALID_CHARACTERS', 'cursor');
    expectParleyError(await tenant.request('GET', '/compat/huskyvoice/v1/calls/%00'), 400, 'INVALID_CHARACTERS', 'id');
  });

  it('refuses JSON nested deeper than 32 before anything processes it', async () => {
    // Built as text: JSON.stringify itself overflows on a document this deep.
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const response = await tenant.request('POST', '/v1/calls', `{"agent_id":"${agentId}","to":"+14155550100","metadata":${deep}}`);
    expectParleyError(response, 400, 'JSON_TOO_DEEP');
    expect(response.body.error.details.field).toMatch(/^metadata\.a\.a/);
    expectParleyError(await tenant.request('POST', '/v1/agents', `{"name":"x","llm":${deep}}`), 400, 'JSON_TOO_DEEP');
    expectParleyError(await tenant.request('POST', '/v1/contacts', `{"phone_number":"+14155550100","custom_fields":${`[`.repeat(3000)}${`]`.repeat(3000)}}`), 400, 'JSON_TOO_DEEP');
    let shallow: unknown = 1;
    for (let i = 0; i < 20; i++) shallow = { a: shallow };
    expect((await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100', metadata: shallow })).status).toBe(201);
  });

  it('refuses an empty agent_id instead of writing it', async () => {
    expectParleyError(await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550177', carrier: 'sim', agent_id: '' }), 400, 'VALIDATION_FAILED', 'agent_id');
    expectParleyError(await tenant.request('POST', '/v1/hooks', { name: 'h', agent_id: '' }), 400, 'VALIDATION_FAILED', 'agent_id');
  });
});

describe("Fastify's own refusals in Parley's shape", () => {
  it('answers a malformed URL escape and an overlong path parameter', async () => {
    expectParleyError(await raw('GET', '/v1/calls/%E0%A4%A', { authorization: `Bearer ${tenant.key}` }), 400, 'BAD_URL', 'url');
    expectParleyError(await raw('GET', `/v1/calls/${'a'.repeat(200)}`, { authorization: `Bearer ${tenant.key}` }), 414, 'PATH_PARAMETER_TOO_LONG', 'url');
    const voicing = await raw('GET', '/compat/voicing/api/v1/campaigns/get-call-details/%E0%A4%A');
    expect(voicing.status).toBe(400);
    expect(typeof voicing.body.detail).toBe('string');
  });

  it('answers HTTP that does not parse', async () => {
    const { hostname, port } = new URL(t.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write('GET /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1.1 400/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'BAD_REQUEST', message: 'The request is not well-formed HTTP', details: { field: 'request' } } });
  });

  it('answers bad JSON and unsupported content types', async () => {
    expectParleyError(await tenant.request('POST', '/v1/calls', '{"a":'), 400, 'INVALID_JSON', 'body');
    expectParleyError(await tenant.request('POST', '/v1/calls', '{"__proto__":{"x":1}}'), 400, 'INVALID_JSON', 'body');
    expectParleyError(await tenant.request('POST', '/v1/calls', 'x', { 'content-type': 'application/xml' }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type');
  });
});

describe('small things clients hit at once', () => {
  it('cancels with Content-Type: application/json and no body, natively and through a dialect', async () => {
    const call = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100' });
    const canceled = await send('POST', `/v1/calls/${call.body.id}/cancel`, { headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' } });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    const other = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100' });
    const husky = await send('POST', `/compat/huskyvoice/v1/calls/${other.body.id}/cancel`, { headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'application/json' } });
    expect(husky.status, JSON.stringify(husky.body)).toBe(200);
  });

  it('wants an IANA time zone', async () => {
    expectParleyError(await tenant.request('POST', '/v1/agents', { name: 'tz', prompt: 'x', timezone: 'Not/AZone' }), 400, 'VALIDATION_FAILED', 'timezone');
    expect((await tenant.request('POST', '/v1/agents', { name: 'tz', prompt: 'x', timezone: 'America/New_York' })).status).toBe(201);
  });

  it('schedules at most a year ahead', async () => {
    const later = new Date(Date.now() + 400 * 24 * 3600 * 1000).toISOString();
    expectParleyError(await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100', scheduled_for: later }), 422, 'SCHEDULE_TOO_FAR', 'scheduled_for');
    const soon = new Date(Date.now() + 300 * 24 * 3600 * 1000).toISOString();
    expect((await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100', scheduled_for: soon })).status).toBe(201);
  });

  it('names contact_number when a hook is given a bad one', async () => {
    const hook = await tenant.request('POST', '/v1/hooks', { name: 'zap', agent_id: agentId });
    const response = await send('POST', `/v1/hooks/${hook.body.token}`, {
      body: JSON.stringify({ action: 'call.create', data: { contact_number: 'not a number' } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('contact_number');
    expect(response.body.error.message).not.toContain('"to"');
    expect(response.body.error.details.field).toBe('data.contact_number');
  });
});
