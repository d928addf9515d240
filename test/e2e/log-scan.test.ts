/**
 * Logs carry no secrets and no personal data: every native route (from /openapi.json), every
 * dialect route, the chat WebSocket (key and variables in its query), an inbound hook (token in
 * its URL) and a whole call on the simulated network are driven with a known phone number, name
 * and key, at debug level, and the captured log is searched for them.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestParley, type TestParley, type Tenant } from '../support/parley.js';
import { createLogger } from '../../src/shared/logger.js';
import { hashSecret } from '../../src/shared/secrets.js';
import { dialectOperations, nativeOperations, type Operation } from './fuzz/cases.js';

const phone = '+14155550142';
const first = 'Zelda';
const last = 'Quimby';
const name = `${first} ${last}`;

let t: TestParley;
let tenant: Tenant;
let captured = '';
const destination = new Writable({
  write(chunk, _encoding, done) {
    captured += chunk.toString();
    done();
  },
});

beforeAll(async () => {
  t = await startTestParley({ logger: createLogger({ level: 'debug', destination }) });
  tenant = await t.tenant();
});
afterAll(() => t?.close());

/** Puts the known number and name wherever a body names a number or a name. */
function personalise(value: unknown, key = ''): unknown {
  if (/^(to|number|phone_number|contact_number|toNumber)$/.test(key)) return phone;
  if (/^(name|contact_name)$/.test(key)) return name;
  if (key === 'first_name') return first;
  if (key === 'last_name') return last;
  if (/^(variables|additional_info|input_variables|params|default_variables)$/.test(key)) return { customer_name: name, appointment_date: 'Friday' };
  if (Array.isArray(value)) return value.map((item) => personalise(item, key));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, personalise(v, k)]));
  return value;
}

async function drive(operation: Operation, ids: { agentId: string; callId: string; contactId: string; hookToken: string }): Promise<void> {
  let path = operation.path;
  for (const param of operation.pathParams) {
    const value = param === 'token' ? ids.hookToken : /contact/.test(path) ? ids.contactId : /call/.test(path) ? ids.callId : ids.agentId;
    path = path.replace(`{${param}}`, value);
  }
  if (operation.queryParams.includes('number')) path += `?number=${encodeURIComponent(phone)}`;
  if (operation.queryParams.includes('search')) path += `?search=${encodeURIComponent(last)}`;
  const headers: Record<string, string> =
    operation.auth === 'x-api-key' ? { authorization: '', 'x-api-key': tenant.key } : operation.auth === 'token' ? { authorization: `Token ${tenant.key}` } : {};
  const body = operation.body === undefined ? undefined : personalise(operation.body);
  await tenant.request(operation.method, path, body, headers);
}

describe('the log', () => {
  it('never holds the phone number, the name, the key, its hash or a hook token', async () => {
    const agent = await tenant.agent({ kind: 'flow', template: 'appointment_confirmation', prompt: undefined, greeting: undefined });
    const contact = await tenant.request('POST', '/v1/contacts', { phone_number: phone, first_name: first, last_name: last });
    const hook = await tenant.request('POST', '/v1/hooks', { name: 'log scan', agent_id: agent.id });
    // A whole call on the simulated network: dispatch, the conversation, webhooks, the analysis.
    const call = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: phone, variables: { customer_name: name, appointment_date: 'Friday' } });
    expect(call.status, JSON.stringify(call.body)).toBe(201);
    await tenant.waitForEnd(call.body.id);
    // A 500 from the store, whose driver error quotes the row: logged with the statement and code only.
    await t.parley.database.sql.executeSql('ALTER TABLE calls RENAME TO calls_offline');
    try {
      const failed = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: phone, variables: { customer_name: name, appointment_date: 'Friday' } });
      expect(failed.status).toBe(500);
    } finally {
      await t.parley.database.sql.executeSql('ALTER TABLE calls_offline RENAME TO calls');
    }
    expect(captured).toMatch(/"level":50[^\n]*"code":"42P01"/);
    const ids = { agentId: agent.id, callId: call.body.id, contactId: contact.body.id, hookToken: hook.body.token };

    const spec = (await tenant.request('GET', '/openapi.json')).body;
    const fixtures = { agentId: agent.id, callId: call.body.id, number: agent.number };
    const operations = [...nativeOperations(spec, fixtures), ...dialectOperations(fixtures)]
      // Deleting the agent, its key or its hook would end the scan early: they run last.
      .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    for (const operation of operations) await drive(operation, ids);
    await tenant.request('POST', `/v1/hooks/${hook.body.token}`, { action: 'call.create', data: { agent_id: agent.id, contact_number: phone, contact_name: name } });

    // The chat WebSocket as a browser opens it: the key as the subprotocol, the variables in the query.
    const variables = encodeURIComponent(JSON.stringify({ customer_name: name, appointment_date: 'Friday' }));
    await new Promise<void>((resolve) => {
      const socket = new WebSocket(`${t.url.replace('http', 'ws')}/v1/agents/${agent.id}/chat?variables=${variables}`, [`bearer.${tenant.key}`]);
      socket.on('message', () => socket.close());
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });

    expect(captured.length).toBeGreaterThan(1000);
    expect(captured).toContain('"url":"/v1/hooks/[redacted]"');
    for (const secret of [phone, phone.slice(1), '4155550142', first, last, tenant.key, hashSecret(tenant.key), hook.body.token, encodeURIComponent(phone)]) {
      const at = captured.indexOf(secret);
      expect(at, `"${secret}" is in the log: …${captured.slice(Math.max(0, at - 100), at + 300)}…`).toBe(-1);
    }
  }, 120_000);
});
