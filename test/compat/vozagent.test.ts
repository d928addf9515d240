/** VozAgent's documented request, replayed verbatim against /compat/vozagent on a running Parley. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { loadCompatFixture } from './fixtures/schema.js';
import { answerMismatches, replay, type ReplayValues, waitForCallsToEnd } from './replay.js';

const fixture = loadCompatFixture('vozagent');
const example = fixture.examples[0]!;

let t: TestParley;
let tenant: Tenant;
let base: string;
let agent: { id: string; number: string };
let values: ReplayValues;

async function outbound(body: unknown, key: string | null = tenant.key) {
  const response = await fetch(`${base}/v1/calls/outbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  t = await startTestParley();
  tenant = await t.tenant();
  base = `${t.url}/compat/vozagent`;
  agent = await tenant.agent({
    name: 'Voz',
    prompt: 'Background: {{notes}}.',
    greeting: 'Hello {{first_name}} {{last_name}}, this is Voz about your enquiry.',
    default_variables: { first_name: 'there', last_name: '', notes: 'none' },
  });
  values = { API_KEY: tenant.key, AGENT_NAME: 'Voz' };
});
afterAll(async () => {
  if (tenant) await waitForCallsToEnd(tenant);
  await t?.close();
});

describe('the documented example', () => {
  it('gets 201 with the created call object, creating the contact, and the call completes', async () => {
    const answer = await replay(example, base, values);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answerMismatches(fixture, example, answer.body)).toEqual([]);
    expect(answer.body).toMatchObject({ status: 'queued', direction: 'outbound', to_phone: '+14155550100', assistant_name: 'Voz', is_new_contact: true });

    const contact = await tenant.request('GET', `/v1/contacts/${answer.body.contact_id}`);
    expect(contact.body).toMatchObject({ phone_number: '+14155550100', first_name: 'John', last_name: 'Smith', notes: 'Interested in a kitchen remodel quote' });

    const ended = await tenant.waitForEnd(answer.body.call_id);
    expect(ended.status).toBe('completed');
    expect(ended.contact_id).toBe(answer.body.contact_id);
    expect(ended.transcript[0].text).toBe('Hello John Smith, this is Voz about your enquiry.');
    expect(ended.variables).toEqual({ first_name: 'John', last_name: 'Smith', notes: 'Interested in a kitchen remodel quote' });
    expect(ended.metadata).toEqual({ compat: { vendor: 'vozagent' } });
  });

  it('finds the same contact the second time (is_new_contact false) and updates its fields', async () => {
    const answer = await replay(example, base, values);
    expect(answer.body.is_new_contact).toBe(false);
    const again = await outbound({ phone_number: '+14155550100', assistant_id: agent.id, source: 'website', tags: 'remodel' });
    expect(again.status).toBe(201);
    expect(again.body.contact_id).toBe(answer.body.contact_id);
    const contact = await tenant.request('GET', `/v1/contacts/${again.body.contact_id}`);
    expect(contact.body).toMatchObject({ first_name: 'John', source: 'website', tags: ['remodel'] });
  });
});

describe('the assistant', () => {
  it('by id, or by id and name together when they agree', async () => {
    expect((await outbound({ phone_number: '+14155550106', assistant_id: agent.id, tags: ['a', 'b'] })).body.assistant_name).toBe('Voz');
    expect((await outbound({ phone_number: '+14155550107', assistant_id: agent.id, assistant_name: 'Voz' })).status).toBe(201);
  });

  it('keeps fields Parley has no use for in metadata.compat', async () => {
    const answer = await outbound({ phone_number: '+14155550108', assistant_name: 'Voz', campaign: 'spring' });
    expect((await tenant.request('GET', `/v1/calls/${answer.body.call_id}`)).body.metadata).toEqual({ compat: { vendor: 'vozagent', fields: { campaign: 'spring' } } });
  });
});

describe('refusals (native error shape)', () => {
  it('401 without a key, 403 for a key without calls:write', async () => {
    const none = await outbound({ phone_number: '+14155550100', assistant_name: 'Voz' }, null);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    const readOnly = (await tenant.request('POST', '/v1/api-keys', { name: 'read', scopes: ['calls:read', 'agents:write'] })).body.key;
    const scoped = await outbound({ phone_number: '+14155550100', assistant_name: 'Voz' }, readOnly);
    expect(scoped.status).toBe(403);
    expect(scoped.body.error).toMatchObject({ code: 'FORBIDDEN_SCOPE', details: { scope: 'calls:write' } });
  });

  it('400 naming phone_number for the docs\' own +15551234567, which is not a valid number', async () => {
    const answer = await outbound({ phone_number: '+15551234567', assistant_name: 'Voz' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_PHONE_NUMBER', details: { field: 'phone_number' } });
  });

  it('400 with neither assistant_id nor assistant_name, 404 for an unknown one, 400 when they disagree', async () => {
    const neither = await outbound({ phone_number: '+14155550100' });
    expect(neither.status).toBe(400);
    expect(neither.body.error.details.field).toBe('assistant_id');
    const unknown = await outbound({ phone_number: '+14155550100', assistant_name: 'Nobody' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'AGENT_NOT_FOUND', details: { field: 'assistant_name' } });
    const other = await tenant.agent({ name: 'Other' });
    const disagree = await outbound({ phone_number: '+14155550100', assistant_id: other.id, assistant_name: 'Voz' });
    expect(disagree.status).toBe(400);
    expect(disagree.body.error.details.field).toBe('assistant_name');
  });

  it('400 naming tags when a tag is not a string', async () => {
    const answer = await outbound({ phone_number: '+14155550100', assistant_name: 'Voz', tags: [1] });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toMatch(/^tags/);
  });

  it('422 naming the assistant, not a field VozAgent lacks, when its prompt needs values a VozAgent call cannot give', async () => {
    await tenant.agent({ name: 'Needs a date', greeting: 'Hi {{first_name}}, about {{appointment_date}}.' });
    const answer = await outbound({ phone_number: '+14155550100', assistant_name: 'Needs a date', first_name: 'Jo' });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'VARIABLES_MISSING', details: { field: 'assistant_id', missing: ['appointment_date'] } });
    expect(answer.body.error.message).toContain('default_variables');
  });
});
