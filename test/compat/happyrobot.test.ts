/** HappyRobot's documented request, replayed verbatim against /compat/happyrobot on a running Parley. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { loadCompatFixture } from './fixtures/schema.js';
import { shapeMismatches } from './fixtures/shape.js';
import { answerMismatches, prepare, replay, type ReplayValues, waitForCallsToEnd } from './replay.js';

const fixture = loadCompatFixture('happyrobot');
const example = fixture.examples[0]!;
const createdShape = fixture.endpoints[0]!.responses[0]!.shape!;

let t: TestParley;
let tenant: Tenant;
let base: string;
let agent: { id: string; number: string };
let values: ReplayValues;

async function dial(body: unknown, authorization: string | null = `Bearer ${tenant.key}`) {
  const response = await fetch(`${base}/api/v1/dial/outbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  t = await startTestParley();
  tenant = await t.tenant();
  base = `${t.url}/compat/happyrobot`;
  agent = await tenant.agent({
    name: 'Kate',
    greeting: 'Hi, this is Kate calling about order {{orderId}}.',
    default_variables: { orderId: 'unknown' },
    outcome: { schema: { delivered: { type: 'boolean', description: 'Was it delivered', required: true } }, tags: ['happy'] },
  });
  const numbers = await tenant.request('GET', '/v1/phone-numbers');
  const numberId = numbers.body.data.find((row: { number: string }) => row.number === agent.number).id;
  values = { API_KEY: tenant.key, AGENT_ID: agent.id, PHONE_NUMBER_ID: numberId, FUTURE_ISO_TIME: new Date(Date.now() + 86_400_000).toISOString() };
});
afterAll(async () => {
  if (tenant) await waitForCallsToEnd(tenant);
  await t?.close();
});

describe('the documented example', () => {
  it('gets the documented call object, scheduled, with every vendor field kept', async () => {
    const answer = await replay(example, base, values);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answerMismatches(fixture, example, answer.body)).toEqual([]);
    expect(answer.body).toMatchObject({
      organization_id: tenant.orgId,
      metadata: { from: agent.number, to: '+14155550100', tags: [], custom: {} },
      use_case: {
        id: agent.id,
        name: 'Kate',
        language: 'en-US',
        max_duration_mins: 123,
        extract_with_ai: [{ name: 'delivered', description: 'Was it delivered', type: 'boolean', required: true }],
        classification_tags: [{ name: 'happy' }],
      },
      params: {},
      scheduled_for: values.FUTURE_ISO_TIME,
    });

    const native = await tenant.request('GET', `/v1/calls/${answer.body.id}`);
    expect(native.body).toMatchObject({ status: 'queued', scheduled_for: values.FUTURE_ISO_TIME, max_duration_s: 7380, from: agent.number });
    expect(native.body.metadata).toEqual({
      compat: { vendor: 'happyrobot', fields: { voice_id: '<string>', model: 'Fast', prompt_id: '<string>', model_id: '<string>', campaign_id: '<string>' } },
    });
    // It would wait a day: cancel it, so the file ends with no call pending.
    expect((await tenant.request('POST', `/v1/calls/${answer.body.id}/cancel`)).body.status).toBe('canceled');
  });

  it('refuses the docs\' "params": "<any>" placeholder with a 400 naming params', async () => {
    const verbatim = prepare({ ...example, substitutions: example.substitutions.filter((s) => s.pointer !== '/body/params') }, base, values);
    expect(verbatim.body).toContain('"params": "<any>"');
    const response = await fetch(verbatim.url, { method: 'POST', headers: verbatim.headers, body: verbatim.body! });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'params' } });
  });
});

describe('a call dialled through HappyRobot', () => {
  it('completes with params as variables and metadata shown back as metadata.custom', async () => {
    const answer = await dial({ use_case_id: agent.id, phone_number: '+14155550100', params: { orderId: '456' }, metadata: { clientId: '123', orderId: '456' } });
    expect(answer.status).toBe(200);
    expect(shapeMismatches(answer.body, createdShape, { allowNull: true })).toEqual([]);
    expect(answer.body.metadata.custom).toEqual({ clientId: '123', orderId: '456' });
    const ended = await tenant.waitForEnd(answer.body.id);
    expect(ended.status).toBe('completed');
    expect(ended.transcript[0].text).toBe('Hi, this is Kate calling about order 456.');
    expect(ended.metadata).toEqual({ clientId: '123', orderId: '456', compat: { vendor: 'happyrobot' } });
  });

  it('answers a recorded call with its recording_sid, the id its recording is served under', async () => {
    const recorded = await tenant.agent({ name: 'Recorded Kate', greeting: 'Hi.', recording: { enabled: true } });
    const answer = await dial({ use_case_id: recorded.id, phone_number: '+14155550106' });
    expect(answer.status).toBe(200);
    expect(answer.body.metadata.recording_sid).toBe(answer.body.id);
    const plain = await dial({ use_case_id: agent.id, phone_number: '+14155550106' });
    expect(plain.body.metadata.recording_sid).toBeNull();
    await tenant.waitForEnd(answer.body.id);
    await tenant.waitForEnd(plain.body.id);
  });

  it('takes the agent from any one of its id fields, by id, name or external id', async () => {
    await tenant.request('PATCH', `/v1/agents/${agent.id}`, { metadata: { external_ids: ['hr-use-case-77'] } });
    for (const body of [{ agent_id: agent.id }, { assistant_id: 'Kate' }, { use_case_id: 'hr-use-case-77' }]) {
      const answer = await dial({ ...body, phone_number: '+14155550106' });
      expect(answer.status, JSON.stringify(body)).toBe(200);
      expect(answer.body.use_case.id).toBe(agent.id);
    }
  });

  it('accepts the key with or without the Bearer word', async () => {
    expect((await dial({ agent_id: agent.id, phone_number: '+14155550107' }, tenant.key)).status).toBe(200);
  });
});

describe('refusals (native error shape)', () => {
  it('401 without a key', async () => {
    const answer = await dial({ agent_id: agent.id, phone_number: '+14155550100' }, null);
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('400 naming phone_number for the docs\' +1234567890', async () => {
    const answer = await dial({ agent_id: agent.id, phone_number: '+1234567890' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_PHONE_NUMBER', details: { field: 'phone_number' } });
  });

  it('400 without any agent id, 404 for an unknown one, 400 when they disagree', async () => {
    expect((await dial({ phone_number: '+14155550100' })).body.error.details.field).toBe('use_case_id');
    const unknown = await dial({ agent_id: '<string>', phone_number: '+14155550100' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'AGENT_NOT_FOUND', details: { field: 'agent_id' } });
    const other = await tenant.agent({ name: 'Other' });
    const disagree = await dial({ use_case_id: agent.id, agent_id: other.id, phone_number: '+14155550100' });
    expect(disagree.status).toBe(400);
    expect(disagree.body.error.details.field).toBe('agent_id');
  });

  it('400 for a language the agent does not speak, instead of ignoring it', async () => {
    const answer = await dial({ agent_id: agent.id, phone_number: '+14155550100', language: 'es-ES' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'UNSUPPORTED_FIELD', details: { field: 'language' } });
    expect((await dial({ agent_id: agent.id, phone_number: '+14155550108', language: 'en' })).status).toBe(200);
  });

  it('400 for a max_duration_mins beyond four hours, 404 for an unknown number_id', async () => {
    const long = await dial({ agent_id: agent.id, phone_number: '+14155550100', max_duration_mins: 1000 });
    expect(long.status).toBe(400);
    expect(long.body.error.details.field).toBe('max_duration_mins');
    const number = await dial({ agent_id: agent.id, phone_number: '+14155550100', number_id: 'pn_nope' });
    expect(number.status).toBe(404);
    expect(number.body.error).toMatchObject({ code: 'PHONE_NUMBER_NOT_FOUND', details: { field: 'number_id' } });
  });

  it('400 naming scheduled_for when it is not a date-time', async () => {
    const answer = await dial({ agent_id: agent.id, phone_number: '+14155550100', scheduled_for: 'tomorrow' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toBe('scheduled_for');
  });

  it("takes the docs' own scheduled_for, long past, as now: the call is placed, not scheduled in the past", async () => {
    const answer = await dial({ agent_id: agent.id, phone_number: '+14155550100', scheduled_for: '2024-01-01T01:01:01Z' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const native = (await tenant.request('GET', `/v1/calls/${answer.body.call_id ?? answer.body.id}`)).body;
    expect(native.scheduled_for).toBeNull();
  });
});
