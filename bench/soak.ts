/**
 * Soak: places thousands of simulated calls through one Parley (flow agents and prompt agents on
 * a fake model in its own process) and prints the heap after a full GC as they go, with the
 * compiled JSON Schema validators held. Flat within noise means nothing grows per call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTestParley, type Tenant } from '../test/support/parley.js';
import { FAKE_OPENAI_KEY } from '../test/fakes/openai/server.js';
import { schemaValidators } from '../src/shared/schema-validators.js';
import { startChild } from './_child.js';
import { printTable } from './_table.js';
import { fmt } from './_stats.js';

const totalCalls = Number(process.env.BENCH_SOAK_CALLS ?? 3000);
const rounds = Number(process.env.BENCH_SOAK_ROUNDS ?? 6);
const warmupCalls = Number(process.env.BENCH_SOAK_WARMUP ?? 200);
const concurrency = Number(process.env.BENCH_SOAK_CONCURRENCY ?? 40);
const simSpeed = process.env.BENCH_SOAK_SIM_SPEED ?? '400';
/** Last digits of the simulated network: a conversation (0), busy (1), voicemail (3), hang-up after the first turn (4). */
const endings = ['0', '0', '0', '1', '3', '4'];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGcMb(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const outcomeSchema = {
  type: 'object',
  properties: { interested: { type: 'boolean' }, budget: { type: ['number', 'null'] } },
  required: ['interested', 'budget'],
};

/**
 * The tenant's requests, tried again on a reset connection: a keep-alive socket the server closes
 * as the client reuses it (seen once in thousands of polls) is the bench's hiccup, not Parley's.
 */
function patient(tenant: Tenant): Tenant {
  const request: Tenant['request'] = async (...args) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await tenant.request(...args);
      } catch (error) {
        if (attempt >= 3 || !(error instanceof TypeError)) throw error;
      }
    }
  };
  const poll = async (callId: string, timeoutMs: number, done: (body: any) => boolean) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await request('GET', `/v1/calls/${callId}`);
      if (done(body)) return body;
      if (Date.now() > deadline) throw new Error(`call ${callId} not done after ${timeoutMs} ms (status ${body.status})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return {
    ...tenant,
    request,
    waitForEnd: (callId, timeoutMs = 20_000) => poll(callId, timeoutMs, (body) => ['completed', 'busy', 'no_answer', 'failed', 'canceled', 'voicemail'].includes(body.status)),
    waitForAnalysis: (callId, timeoutMs = 20_000) => poll(callId, timeoutMs, (body) => typeof body.analysis?.analyzed_at === 'string'),
  };
}

/** Places `count` calls, at most `concurrency` in flight, each waited on until its analysis (or its end, when none runs). */
async function placeCalls(tenant: Tenant, agents: readonly string[], count: number, startAt: number): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const n = startAt + next++;
        const to = `+1415555010${endings[n % endings.length]}`;
        const created = await tenant.request('POST', '/v1/calls', { agent_id: agents[n % agents.length], to, variables: { customer_name: 'Ana', appointment_date: 'Tuesday' } });
        if (created.status !== 201) throw new Error(`POST /v1/calls answered ${created.status}: ${JSON.stringify(created.body)}`);
        const ended = await tenant.waitForEnd(created.body.id, 120_000);
        // Only a call with a conversation is analysed (not busy, voicemail, or a hang-up before the contact spoke).
        const conversed = ended.status === 'completed' && ended.answered_by !== 'machine' && ended.transcript.some((turn: { role: string }) => turn.role === 'contact');
        if (conversed) await tenant.waitForAnalysis(ended.id, 120_000);
        statuses[ended.status] = (statuses[ended.status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}

export async function main(): Promise<void> {
  const model = await startChild<{ baseUrl: string }>('./_soak-llm-process.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-soak-'));
  const t = await startTestParley({
    store: 'pglite',
    dataDir,
    llm: 'none',
    env: { PARLEY_SIM_SPEED: simSpeed, OPENAI_BASE_URL: model.ready.baseUrl, OPENAI_API_KEY: FAKE_OPENAI_KEY, PARLEY_LLM_MODEL: 'gpt-fake' },
  });
  const rows: (string | number)[][] = [];
  const started = Date.now();
  try {
    const tenant = patient(await t.tenant({ maxConcurrentCalls: concurrency }));
    const flow = await tenant.agent({ kind: 'flow', template: 'appointment_confirmation', greeting: null });
    const prompt = await tenant.agent({ prompt: 'You offer {{customer_name}} a quote.', greeting: 'Hi {{customer_name}}, want a quote?', outcome: { schema: outcomeSchema, tags: ['hot_lead', 'cold_lead'] } });
    const agents = [flow.id, prompt.id];
    await placeCalls(tenant, agents, warmupCalls, 0);
    const row = (label: string, placed: number, statuses: Record<string, number> | null) => {
      const stats = schemaValidators.stats();
      rows.push([label, placed, fmt(heapAfterGcMb(), 1), stats.cached, stats.ajvRetained, fmt((Date.now() - started) / 1000, 0),
        statuses ? Object.entries(statuses).sort().map(([status, n]) => `${status} ${n}`).join(', ') : '']);
    };
    row('after warm-up', warmupCalls, null);
    let placed = warmupCalls;
    const perRound = Math.ceil(totalCalls / rounds);
    for (let round = 1; round <= rounds; round++) {
      const statuses = await placeCalls(tenant, agents, perRound, placed);
      placed += perRound;
      row(`round ${round}`, placed, statuses);
    }
  } finally {
    await t.close();
    await model.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  printTable(
    `Soak: ${totalCalls} simulated calls after ${warmupCalls} warm-up (flow + prompt agents, PGlite, sim speed ${simSpeed}, ${concurrency} at once)`,
    ['point', 'calls placed', 'heap after GC (MB)', 'validators cached', 'schemas ajv retains', 'elapsed s', 'statuses this round'],
    rows,
  );
}
