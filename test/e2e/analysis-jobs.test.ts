/**
 * The after-call analysis is a durable job: retried with backoff while the model fails, carried
 * over a restart (stopping does not wait for it), and never run for a call without a conversation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTenant, startTestParley, type TestParley, type Tenant } from '../support/parley.js';
import { createTempDatabase, postgresUrl, type TempDatabase } from '../support/postgres.js';
import type { RecordedLlmRequest } from '../fakes/openai/server.js';

const outcomeSchema = { type: 'object', properties: { interested: { type: 'boolean' } }, required: ['interested'] };
const isAnalysis = (request: RecordedLlmRequest) => Boolean((request.body as { response_format?: unknown }).response_format);
const analysisAnswer = { text: [JSON.stringify({ summary: 'The contact wants a quote.', outcome: { interested: true }, tags: [] })] };
const goodbye = { text: ['Great, goodbye!'], toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":"done"}'] }] };
const env = { PARLEY_ANALYSIS_RETRY_DELAY_S: '1' };

async function analyzedEvents(tenant: Tenant, callId: string): Promise<unknown[]> {
  const events = (await tenant.request('GET', `/v1/calls/${callId}/events`)).body.data as { type: string }[];
  return events.filter((event) => event.type === 'call.analyzed');
}

describe('the analysis job', () => {
  const dirs: string[] = [];
  const temps: TempDatabase[] = [];
  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    for (const temp of temps) await temp.drop();
  });

  async function store(): Promise<{ dataDir: string; databaseUrl?: string; store?: 'pglite' }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-analysis-'));
    dirs.push(dataDir);
    if (!postgresUrl) return { dataDir, store: 'pglite' };
    const temp = await createTempDatabase();
    temps.push(temp);
    return { dataDir, databaseUrl: temp.url };
  }

  it('is retried with backoff while the model fails, then stores the outcome once', async () => {
    const t = await startTestParley({ ...(await store()), env });
    try {
      let analysisTries = 0;
      t.llm!.respond((request) => {
        if (!isAnalysis(request)) return goodbye;
        analysisTries += 1;
        return analysisTries <= 2 ? { error: { status: 503, message: 'overloaded' } } : analysisAnswer;
      });
      const tenant = await t.tenant();
      const agent = await tenant.agent({ greeting: 'Hi, want a quote?', outcome: { schema: outcomeSchema } });
      const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
      const ended = await tenant.waitForEnd(created.body.id);
      expect(ended.status).toBe('completed');
      const analysed = await tenant.waitForAnalysis(ended.id, 30_000);
      expect(analysed.outcome).toEqual({ interested: true });
      expect(analysed.analysis.error).toBeNull();
      expect(analysisTries).toBe(3);
      expect(await analyzedEvents(tenant, ended.id)).toHaveLength(1);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('survives a restart: stopping does not wait for the model, the next process analyses the call', async () => {
    const where = await store();
    const first = await startTestParley({ ...where, env });
    let callId: string;
    let tenant: Tenant;
    try {
      let analysisStarted!: () => void;
      const started = new Promise<void>((resolve) => (analysisStarted = resolve));
      first.llm!.respond((request) => {
        if (!isAnalysis(request)) return goodbye;
        analysisStarted();
        return { ...analysisAnswer, headersDelayMs: 120_000 };
      });
      tenant = await first.tenant();
      const agent = await tenant.agent({ greeting: 'Hi, want a quote?', outcome: { schema: outcomeSchema } });
      const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
      callId = created.body.id;
      expect((await tenant.waitForEnd(callId)).status).toBe('completed');
      await started;
    } finally {
      const stopping = Date.now();
      await first.close();
      expect(Date.now() - stopping).toBeLessThan(10_000);
    }

    const second: TestParley = await startTestParley({ ...where, env });
    try {
      second.llm!.respond((request) => (isAnalysis(request) ? analysisAnswer : goodbye));
      const again = await createTenant(second.parley);
      const sameOrg: Tenant = { ...again, request: (method, path, body, headers) => fetch(`${second.url}${path}`, {
        method, headers: { authorization: `Bearer ${tenant!.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, body: await response.json(), headers: response.headers })) };
      let analysed: any;
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
        analysed = (await sameOrg.request('GET', `/v1/calls/${callId!}`)).body;
        if (analysed.analysis?.analyzed_at) break;
      }
      expect(analysed.outcome).toEqual({ interested: true });
      expect(analysed.analysis.error).toBeNull();
      expect(await analyzedEvents(sameOrg, callId!)).toHaveLength(1);
    } finally {
      await second.close();
    }
  }, 90_000);

  it('does not run for a busy line, a voicemail or a hang-up before the contact spoke', async () => {
    // Sim speed 2, not 40: a callee says "Hello?" after 1.5 s (sim) of silence before the agent speaks, which at 40 is
    // 37 ms of a loaded machine's time (a real person's "Hello?" is a turn, and the call is then analysed).
    const t: TestParley = await startTestParley({ llm: 'none', env: { ...env, PARLEY_SIM_SPEED: '2' } });
    try {
      const tenant = await t.tenant();
      const agent = await tenant.agent({ kind: 'flow', template: 'appointment_confirmation', greeting: null });
      const variables = { customer_name: 'Ana', appointment_date: 'Friday' };
      const ids: string[] = [];
      for (const to of ['+14155550101', '+14155550103', '+14155550104']) {
        ids.push((await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to, variables })).body.id);
      }
      const answered = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables })).body.id;
      const ended = await Promise.all(ids.map((id) => tenant.waitForEnd(id, 60_000)));
      expect(ended.map((call) => call.status)).toEqual(['busy', 'voicemail', 'completed']);
      // The answered call's analysis is done once it is stored; the others, by then, have none.
      await tenant.waitForAnalysis(answered, 60_000);
      for (const call of ended) {
        const now = (await tenant.request('GET', `/v1/calls/${call.id}`)).body;
        expect(now.analysis?.error ?? null, JSON.stringify(now)).toBeNull();
        expect(now.analysis?.analyzed_at).toBeUndefined();
        expect(await analyzedEvents(tenant, call.id)).toHaveLength(0);
      }
    } finally {
      await t.close();
    }
  }, 120_000);
});
