/** Hamsa's documented request, replayed verbatim against /compat/hamsa, and its inline agents. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { FAKE_OPENAI_KEY } from '../fakes/openai/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver/receiver.js';
import { createSecretBox } from '../../src/shared/secret-box.js';
import { loadCompatFixture } from './fixtures/schema.js';
import { shapeMismatches } from './fixtures/shape.js';
import { answerMismatches, replay, type ReplayValues, waitForCallsToEnd } from './replay.js';

const fixture = loadCompatFixture('hamsa');
const example = fixture.examples[0]!;
const createdShape = fixture.endpoints[0]!.responses[0]!.shape!;
const encryptionKey = 'compat-hamsa-test-key';

let t: TestParley;
let tenant: Tenant;
let base: string;
let agent: { id: string; number: string };
let values: ReplayValues;
/** Hamsa's webhookUrl: a receiver on a local socket that checks the signatures of calls' own webhooks. */
let receiver: WebhookReceiver;
let webhookUrl: string;

async function hamsa(body: unknown, authorization: string | null = `Token ${tenant.key}`) {
  const response = await fetch(`${base}/v1/voice-agents/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

function inlineDetails(overrides: Record<string, unknown> = {}) {
  return {
    agentName: 'Hamsa inline',
    greetingMessage: 'Marhaba {{name}}, this is Hamsa calling about your order.',
    preamble: 'You confirm orders for {{name}}.',
    lang: 'en',
    outcome: 'Whether the order is confirmed',
    outcomeResponseShape: { type: 'object', properties: { confirmed: { type: 'boolean', description: 'The customer confirmed' } }, required: ['confirmed'] },
    llmConfig: { provider: 'OpenAI', modelName: 'gpt-fake', baseUrl: t.llm!.baseUrl, apiKey: FAKE_OPENAI_KEY, temperature: 0.2 },
    maxCallDuration: 300,
    userInactivityTimeout: 20,
    realTime: true,
    icon: 'rocket',
    ...overrides,
  };
}

beforeAll(async () => {
  t = await startTestParley({ env: { PARLEY_ENCRYPTION_KEY: encryptionKey, PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' } });
  tenant = await t.tenant();
  receiver = await startWebhookReceiver({ secret: (await tenant.request('GET', '/v1/call-webhook-secret')).body.secret });
  webhookUrl = receiver.url;
  base = `${t.url}/compat/hamsa`;
  agent = await tenant.agent({ name: 'Hamsa saved', greeting: 'Hello, this is a saved Hamsa agent.' });
  values = { API_KEY: tenant.key, AGENT_ID: agent.id, FROM_NUMBER: agent.number, WEBHOOK_URL: webhookUrl };
});
afterAll(async () => {
  if (tenant) await waitForCallsToEnd(tenant);
  await t?.close();
  await receiver?.close();
});

describe('the documented example', () => {
  it('gets the documented answer, secrets not echoed', async () => {
    const answer = await replay(example, base, values);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answerMismatches(fixture, example, answer.body)).toEqual([]);
    expect(answer.body).toMatchObject({ success: true, message: 'success', data: { status: 'queued', voiceAgentId: agent.id, webhookUrl } });
    expect(answer.body.data.agentDetails.webhookAuth).toEqual({ authKey: 'Token', authSecret: '••••' });
    expect(JSON.stringify(answer.body)).not.toContain('"Secret"');
  });

  it('places a call that completes, with its webhook and the Authorization header Hamsa documents', async () => {
    const answer = await replay(example, base, values);
    const ended = await tenant.waitForEnd(answer.body.data.id);
    expect(ended.status).toBe('completed');
    expect(ended.transcript[0]).toMatchObject({ role: 'agent', text: 'Hello, this is a saved Hamsa agent.' });
    expect(ended).toMatchObject({ from: agent.number, webhook_url: webhookUrl, metadata: { compat: { vendor: 'hamsa' } } });
    const row = await t.parley.services.calls.get(tenant.orgId, answer.body.data.id);
    expect(row.webhookHeadersSealed).not.toContain('Secret');
    expect(JSON.parse(createSecretBox(encryptionKey).open(row.webhookHeadersSealed!))).toEqual({ Authorization: 'Token Secret' });

    // Every event reaches webhookUrl signed, with the header Hamsa documents.
    const deadline = Date.now() + 15_000;
    const ofCall = () => receiver.deliveries.filter((d) => (d.json as { data?: { id?: string } } | undefined)?.data?.id === ended.id);
    while (!ofCall().some((d) => d.type === 'call.completed')) {
      if (Date.now() > deadline) throw new Error(`no call.completed delivery; got ${ofCall().map((d) => d.type).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const delivery of ofCall()) {
      expect(delivery.headers.authorization).toBe('Token Secret');
      expect(delivery.verified, delivery.verifyFailure ?? '').toBe(true);
    }
  });

  it('accepts the key as "Token <key>", the cURL\'s bare key, or "Bearer <key>"', async () => {
    for (const authorization of [`Token ${tenant.key}`, tenant.key, `Bearer ${tenant.key}`]) {
      const answer = await hamsa({ toNumber: '+14155550106', voiceAgentId: agent.id }, authorization);
      expect(answer.status, authorization.split(' ')[0]).toBe(200);
    }
  });
});

describe('a recorded call', () => {
  it('answers with mediaUrl, the absolute URL its recording will be served at', async () => {
    const recorded = await tenant.agent({ name: 'Hamsa recorded', greeting: 'Hello.', recording: { enabled: true } });
    const answer = await hamsa({ toNumber: '+14155550106', voiceAgentId: recorded.id });
    expect(answer.status).toBe(200);
    expect(answer.body.data.mediaUrl).toBe(`${t.url}/v1/calls/${answer.body.data.id}/recording`);
    const plain = await hamsa({ toNumber: '+14155550106', voiceAgentId: agent.id });
    expect(plain.body.data.mediaUrl).toBeNull();
    await tenant.waitForEnd(answer.body.data.id);
    await tenant.waitForEnd(plain.body.data.id);
  });
});

describe('an inline agentDetails', () => {
  it('becomes a real Parley agent that holds the call, found again for the same definition', async () => {
    const body = { toNumber: '+14155550100', fromNumber: agent.number, params: { name: 'Ana' }, agentDetails: inlineDetails() };
    const first = await hamsa(body);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(shapeMismatches(first.body, createdShape, { allowNull: true })).toEqual([]);
    const details = first.body.data.agentDetails;
    expect(details).toMatchObject({
      agentName: 'Hamsa inline',
      lang: 'en',
      maxCallDuration: 300,
      userInactivityTimeout: 20,
      outcome: 'Whether the order is confirmed',
      llmConfig: { provider: 'openai', modelName: 'gpt-fake', baseUrl: t.llm!.baseUrl, temperature: 0.2 },
    });
    expect(details.llmConfig.apiKey).not.toBe(FAKE_OPENAI_KEY);
    expect(JSON.stringify(first.body)).not.toContain(FAKE_OPENAI_KEY);

    const again = await hamsa(body);
    expect(again.body.data.voiceAgentId).toBe(first.body.data.voiceAgentId);
    const changed = await hamsa({ ...body, agentDetails: inlineDetails({ greetingMessage: 'Hi {{name}}.' }) });
    expect(changed.body.data.voiceAgentId).not.toBe(first.body.data.voiceAgentId);

    const stored = await tenant.request('GET', `/v1/agents/${first.body.data.voiceAgentId}`);
    expect(stored.body).toMatchObject({
      name: 'Hamsa inline',
      prompt: 'You confirm orders for {{name}}.',
      language: 'en',
      timers: { max_duration_s: 300, inactivity_timeout_s: 20 },
      llm: { provider: 'openai', model: 'gpt-fake' },
      outcome: { schema: { type: 'object', required: ['confirmed'], description: 'Whether the order is confirmed' } },
      metadata: { compat: { vendor: 'hamsa', content_hash: expect.stringMatching(/^[0-9a-f]{64}$/), fields: { realTime: true, icon: 'rocket' } } },
    });

    const ended = await tenant.waitForEnd(first.body.data.id);
    expect(ended.status).toBe('completed');
    expect(ended.transcript[0].text).toBe('Marhaba Ana, this is Hamsa calling about your order.');
    expect(ended.max_duration_s).toBe(300);
  });

  it('ends the call failed / llm_error when its llmConfig points at a model nobody answers for, apology and all', async () => {
    const unreachable = inlineDetails({ agentName: 'Hamsa unreachable', llmConfig: { provider: 'OpenAI', modelName: 'gpt-fake', baseUrl: 'http://127.0.0.1:9/v1', apiKey: FAKE_OPENAI_KEY } });
    const placed = await hamsa({ toNumber: '+14155550100', fromNumber: agent.number, params: { name: 'Ana' }, agentDetails: unreachable });
    expect(placed.status, JSON.stringify(placed.body)).toBe(200);
    const ended = await tenant.waitForEnd(placed.body.data.id);
    expect(ended).toMatchObject({ status: 'failed', end_reason: 'llm_error' });
    expect(ended.transcript.at(-1)).toMatchObject({ role: 'agent', text: expect.stringContaining("I'm sorry") });
  });

  it('makes one agent for identical definitions arriving at the same moment', async () => {
    const details = inlineDetails({ agentName: 'Raced inline' });
    const answers = await Promise.all(
      ['+14155550111', '+14155550112', '+14155550113', '+14155550114', '+14155550115'].map((toNumber) =>
        hamsa({ toNumber, fromNumber: agent.number, params: { name: 'Ana' }, agentDetails: details }),
      ),
    );
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(new Set(answers.map((answer) => answer.body.data.voiceAgentId)).size).toBe(1);
    const agents = await tenant.request('GET', '/v1/agents?limit=100');
    expect(agents.body.data.filter((row: { name: string }) => row.name === 'Raced inline')).toHaveLength(1);
    // The store's guarantee, without HTTP spacing the requests out: all five look before any inserts.
    const marker = { compat: { vendor: 'hamsa', content_hash: 'raced' } };
    const input = { name: 'Raced direct', prompt: 'p', first_speaker: 'agent', language: 'en', default_variables: {}, metadata: marker } as const;
    const rows = await Promise.all(Array.from({ length: 5 }, () => t.parley.services.agents.findOrCreate(tenant.orgId, marker, input as never)));
    expect(new Set(rows.map((row) => row.id)).size).toBe(1);
  });

  it('needs agents:write to create an agent, but not to reuse one', async () => {
    const callsOnly = (await tenant.request('POST', '/v1/api-keys', { name: 'calls', scopes: ['calls:write'] })).body.key;
    const fresh = await hamsa({ toNumber: '+14155550100', fromNumber: agent.number, agentDetails: inlineDetails({ agentName: 'Never made' }) }, `Token ${callsOnly}`);
    expect(fresh.status).toBe(403);
    expect(fresh.body).toMatchObject({ success: false, data: null, error: { code: 'FORBIDDEN_SCOPE' } });
    const reused = await hamsa({ toNumber: '+14155550107', fromNumber: agent.number, params: { name: 'Bo' }, agentDetails: inlineDetails() }, `Token ${callsOnly}`);
    expect(reused.status).toBe(200);
  });

  it('refuses what Parley cannot honour: Hamsa knowledge bases and tools, an unknown model vendor', async () => {
    const kb = await hamsa({ toNumber: '+14155550100', fromNumber: agent.number, agentDetails: inlineDetails({ knowledgeBaseItemsIds: ['kb_1'] }) });
    expect(kb.status).toBe(400);
    expect(kb.body.error).toMatchObject({ code: 'UNSUPPORTED_FIELD', details: { field: 'agentDetails.knowledgeBaseItemsIds' } });
    const llm = await hamsa({ toNumber: '+14155550100', fromNumber: agent.number, agentDetails: inlineDetails({ llmConfig: { provider: 'Gemini', modelName: 'gemini-2.0' } }) });
    expect(llm.status).toBe(400);
    expect(llm.body.error.details.field).toBe('agentDetails.llmConfig.provider');
    const bad = await hamsa({ toNumber: '+14155550100', fromNumber: agent.number, agentDetails: inlineDetails({ maxCallDuration: 5 }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('agentDetails.maxCallDuration');
  });

  it('needs a fromNumber: a new agent has no number of its own', async () => {
    const answer = await hamsa({ toNumber: '+14155550100', params: { name: 'Ana' }, agentDetails: inlineDetails() });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'NO_CALLER_NUMBER', details: { field: 'fromNumber' } });
  });
});

describe('refusals, in Hamsa shape ({success:false, message, data:null, error})', () => {
  it('401 without a key or with a wrong one', async () => {
    for (const authorization of [null, 'Token pk_wrong']) {
      const answer = await hamsa({ toNumber: '+14155550100', voiceAgentId: agent.id }, authorization);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ success: false, data: null, error: { code: 'UNAUTHENTICATED' } });
      // Told to send it Hamsa's way.
      if (authorization === null) expect(answer.body.message).toBe('Send an API key as "Authorization: Token <key>"');
    }
  });

  it('400 with neither voiceAgentId nor agentDetails, or with both', async () => {
    const neither = await hamsa({ toNumber: '+14155550100', agentDetails: {} });
    expect(neither.status).toBe(400);
    expect(neither.body.error.details.field).toBe('voiceAgentId');
    const both = await hamsa({ toNumber: '+14155550100', voiceAgentId: agent.id, agentDetails: inlineDetails() });
    expect(both.status).toBe(400);
    expect(both.body.error.details.field).toBe('agentDetails');
  });

  it('400 naming toNumber for the docs\' "<string>" placeholder', async () => {
    const answer = await hamsa({ toNumber: '<string>', voiceAgentId: agent.id });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'INVALID_PHONE_NUMBER', details: { field: 'toNumber' } });
  });

  it('404 for an unknown voiceAgentId', async () => {
    const answer = await hamsa({ toNumber: '+14155550100', voiceAgentId: '<string>' });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toMatchObject({ code: 'AGENT_NOT_FOUND', details: { field: 'voiceAgentId' } });
  });

  it('422 for the docs\' fromNumber, which is Hamsa\'s and not the organisation\'s', async () => {
    const answer = await hamsa({ toNumber: '+14155550100', fromNumber: '+18449292835', voiceAgentId: agent.id });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'FROM_NUMBER_NOT_OWNED', details: { field: 'fromNumber' } });
  });

  it('400 for webhookAuth with no webhookUrl, and for a header value spanning lines', async () => {
    const noUrl = await hamsa({ toNumber: '+14155550100', voiceAgentId: agent.id, webhookAuth: { authKey: 'Token', authSecret: 'x' } });
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.error.details.field).toBe('webhookUrl');
    const split = await hamsa({ toNumber: '+14155550100', voiceAgentId: agent.id, webhookUrl, webhookAuth: { authKey: 'Token', authSecret: 'x\r\nX-Evil: 1' } });
    expect(split.status).toBe(400);
    expect(split.body.error.details.field).toBe('webhookAuth.authSecret');
    // Nor anything else a header cannot carry: refused now, rather than every webhook of the call lost at delivery.
    for (const [authKey, authSecret, field] of [['Bearer', 'sécret✓', 'authSecret'], ['To\u000bken', 'x', 'authKey'], ['Token', 'a\u2028b', 'authSecret']] as const) {
      const refused = await hamsa({ toNumber: '+14155550100', voiceAgentId: agent.id, webhookUrl, webhookAuth: { authKey, authSecret } });
      expect(refused.status, `${authKey} ${authSecret}`).toBe(400);
      expect(refused.body.error.details.field).toBe(`webhookAuth.${field}`);
    }
  });
});
