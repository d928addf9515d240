/**
 * Campaigns and the pull scheduler on PGlite and on PostgreSQL, side by side:
 *  - importing a 100,000-contact CSV;
 *  - the dispatch rate on the simulated network with concurrency unlimited;
 *  - what 100,000 waiting calls cost the database while nothing is due (every query the
 *    process sends is counted, the scheduler's apart);
 *  - how long a single API call waits for its slot behind a running 100,000-contact campaign.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { startTestParley, type Tenant, type TestParley } from '../test/support/parley.js';
import { postgresUrl } from '../test/support/postgres.js';
import type { SchedulerClock } from '../src/dispatch/scheduler.js';
import { printTable } from './_table.js';
import { fmt, percentile } from './_stats.js';

const contactsN = Number(process.env.BENCH_CONTACTS ?? 100_000);
const dispatchN = Number(process.env.BENCH_DISPATCH ?? 10_000);
const idleS = Number(process.env.BENCH_IDLE_S ?? 30);
const singleCalls = Number(process.env.BENCH_SINGLE_CALLS ?? 20);
const campaignSlots = 50;

/** Every query the process sends, whichever driver (pg-boss's included). */
const sent = { n: 0 };
function countQueries(): void {
  for (const proto of [pg.Client.prototype as unknown as Record<string, unknown>, PGlite.prototype as unknown as Record<string, unknown>]) {
    for (const name of ['query', 'exec']) {
      const original = proto[name] as ((...args: unknown[]) => unknown) | undefined;
      if (typeof original !== 'function' || (original as { counted?: boolean }).counted) continue;
      const counted = function (this: unknown, ...args: unknown[]) {
        sent.n += 1;
        return original.apply(this, args);
      };
      (counted as { counted?: boolean }).counted = true;
      proto[name] = counted;
    }
  }
}

function movableClock() {
  let offsetMs = 0;
  const clock: SchedulerClock = { now: () => new Date(Date.now() + offsetMs) };
  return { clock, set: (at: Date) => (offsetMs = at.getTime() - Date.now()) };
}

/**
 * The tenant's requests, retried on a reset connection: a keep-alive socket the server closed
 * while the bench sat idle (the idle-cost step) can be reused by fetch at the moment it closes.
 */
function resilient(tenant: Tenant): Tenant {
  const request = tenant.request;
  return {
    ...tenant,
    request: async (...args: Parameters<Tenant['request']>) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await request(...args);
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    },
  } as Tenant;
}

async function postCsv(t: TestParley, tenant: Tenant, campaignId: string, csv: string): Promise<{ imported: number; errors: unknown[] }> {
  const response = await fetch(`${t.url}/v1/campaigns/${campaignId}/contacts`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}`, 'content-type': 'text/csv' }, body: csv });
  if (response.status !== 200) throw new Error(`import failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { imported: number; errors: unknown[] };
}

/** Distinct valid US numbers (New York area codes) ending in `last`. */
function numbers(n: number, last: number, seed: number): string[] {
  const areas = ['212', '646', '718', '917', '347'];
  return Array.from({ length: n }, (_, i) => `+1${areas[(i + seed) % areas.length]}${String(2_000_000 + Math.floor(i / areas.length) * 10 + last + seed * 1_000_000).slice(-7)}`);
}

const noRetry = { busy: { max_attempts: 1, delay_s: 0 }, no_answer: { max_attempts: 1, delay_s: 0 }, voicemail: { max_attempts: 1, delay_s: 0 }, failed: { max_attempts: 1, delay_s: 0 } };

interface StoreResult {
  readonly store: string;
  readonly importS: number;
  readonly importRate: number;
  readonly dialsPerS: number;
  readonly endedPerS: number;
  readonly dispatchN: number;
  readonly idleAllQps: number;
  readonly idleSchedulerQps: number;
  readonly waiting: number;
  readonly waitP50: number;
  readonly waitP95: number;
  readonly waitMax: number;
}

async function run(store: 'pglite' | 'postgres'): Promise<StoreResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-campaign-'));
  const time = movableClock();
  const t = await startTestParley({ store, dataDir, clock: time.clock, env: { PARLEY_SIM_SPEED: '50' } });
  const db = t.parley.database.db;
  try {
    // 1. CSV import: a campaign that starts tomorrow, so its 100,000 contacts wait.
    const tenant = resilient(await t.tenant({ maxConcurrentCalls: campaignSlots }));
    const agent = await tenant.agent({ timers: { ring_timeout_s: 60 } });
    const tomorrow = new Date(Date.now() + 86_400_000);
    const campaign = (await tenant.request('POST', '/v1/campaigns', { name: 'Big list', agent_id: agent.id, retry: noRetry, schedule: { starts_at: tomorrow.toISOString() } })).body;
    // Numbers ending in 2 ring out unanswered for 60 s (1.2 s at sim speed 50): the campaign keeps its slots busy.
    const csv = ['phone,first_name,plan', ...numbers(contactsN, 2, 0).map((phone, i) => `${phone},Person ${i},gold`)].join('\n');
    const started = performance.now();
    const imported = await postCsv(t, tenant, campaign.id, csv);
    const importS = (performance.now() - started) / 1000;
    if (imported.imported !== contactsN) throw new Error(`imported ${imported.imported} of ${contactsN}: ${JSON.stringify(imported.errors.slice(0, 3))}`);
    process.stdout.write(`[${store}] imported ${contactsN} contacts in ${importS.toFixed(2)} s\n`);

    // 2. Waiting costs nothing: 100,000 contacts held until tomorrow plus 100,000 single calls
    //    scheduled for tomorrow (written straight into the table: the API bench measures placing calls).
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/start`);
    // Due in two days: still waiting after the clock moves to tomorrow for the next steps.
    const twoDays = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const template = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+12125550100', scheduled_for: twoDays })).body;
    await db.execute(sql`
      insert into calls (id, org_id, agent_id, phone_number_id, to_number, from_number, carrier, status, max_duration_s, scheduled_for, due_at, contact_id)
      select 'call_bench' || g, org_id, agent_id, phone_number_id, to_number, from_number, carrier, 'queued', max_duration_s, scheduled_for, due_at, contact_id
      from calls, generate_series(1, ${contactsN - 1}) g where id = ${template.id}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const before = { all: sent.n, scheduler: t.parley.scheduler.stats.lookups + t.parley.scheduler.stats.rounds };
    await new Promise((resolve) => setTimeout(resolve, idleS * 1000));
    const idleAllQps = (sent.n - before.all) / idleS;
    const idleSchedulerQps = (t.parley.scheduler.stats.lookups + t.parley.scheduler.stats.rounds - before.scheduler) / idleS;
    process.stdout.write(`[${store}] idle: ${idleAllQps.toFixed(2)} queries/s in all, scheduler ${idleSchedulerQps.toFixed(2)}/s\n`);

    // 3. A single call behind the running campaign: tomorrow comes, the campaign fills its 50 slots.
    time.set(new Date(tomorrow.getTime() + 60_000));
    t.parley.scheduler.wake();
    await waitFor(async () => (await liveCalls(db, campaign.id)) >= campaignSlots - 1, 200);
    const waits: number[] = [];
    for (let i = 0; i < singleCalls; i++) {
      const placed = performance.now();
      const call = (await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: numbers(1, 0, 7 + i)[0] })).body;
      await waitFor(async () => (await tenant.request('GET', `/v1/calls/${call.id}`)).body.dialed_at !== null, 5);
      waits.push(performance.now() - placed);
    }
    const progress = (await tenant.request('GET', `/v1/campaigns/${campaign.id}`)).body.progress;
    await tenant.request('POST', `/v1/campaigns/${campaign.id}/cancel`);
    process.stdout.write(`[${store}] single-call waits p50 ${fmt(percentile(waits, 50))} ms; campaign ${progress.calls} calls placed meanwhile\n`);

    // 4. Dispatch rate, concurrency unlimited: busy numbers (1.5 s of ringing is 30 ms here).
    const open = resilient(await t.tenant({ maxConcurrentCalls: 1_000_000 }));
    const openAgent = await open.agent();
    const fast = (await open.request('POST', '/v1/campaigns', { name: 'Fast', agent_id: openAgent.id, retry: noRetry })).body;
    await postCsv(t, open, fast.id, ['phone', ...numbers(dispatchN, 1, 3)].join('\n'));
    await open.request('POST', `/v1/campaigns/${fast.id}/start`);
    await waitFor(async () => (await dialled(db, fast.id)) >= dispatchN, 200, 600_000);
    const [span] = (await db.execute(sql`select extract(epoch from max(dialed_at) - min(dialed_at)) as s, count(*) as n from calls where campaign_id = ${fast.id}`) as unknown as { rows: { s: number; n: number }[] }).rows;
    const dialsPerS = Number(span!.n) / Number(span!.s);
    process.stdout.write(`[${store}] dispatched ${span!.n} calls at ${dialsPerS.toFixed(0)}/s\n`);
    await waitFor(async () => (await open.request('GET', `/v1/campaigns/${fast.id}`)).body.status === 'completed', 200, 600_000);
    // The whole call, not only its claim: dialled, rung, ended busy and filed on its contact.
    const [through] = (await db.execute(sql`select extract(epoch from max(ended_at) - min(dialed_at)) as s, count(*) as n from calls where campaign_id = ${fast.id}`) as unknown as { rows: { s: number; n: number }[] }).rows;
    const endedPerS = Number(through!.n) / Number(through!.s);
    process.stdout.write(`[${store}] ${through!.n} calls through to their end at ${endedPerS.toFixed(0)}/s\n`);

    return {
      store: store === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL',
      importS, importRate: contactsN / importS, dialsPerS, endedPerS, dispatchN,
      idleAllQps, idleSchedulerQps, waiting: contactsN * 2,
      waitP50: percentile(waits, 50), waitP95: percentile(waits, 95), waitMax: Math.max(...waits),
    };
  } finally {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function liveCalls(db: TestParley['parley']['database']['db'], campaignId: string): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from calls where campaign_id = ${campaignId} and status in ('dialing', 'ringing', 'in_progress')`);
  return Number(((result as unknown as { rows: { n: number }[] }).rows ?? [])[0]?.n ?? 0);
}

async function dialled(db: TestParley['parley']['database']['db'], campaignId: string): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from calls where campaign_id = ${campaignId} and dialed_at is not null`);
  return Number(((result as unknown as { rows: { n: number }[] }).rows ?? [])[0]?.n ?? 0);
}

async function waitFor(probe: () => Promise<boolean>, everyMs = 50, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('bench step timed out');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function main(): Promise<void> {
  countQueries();
  // BENCH_STORES=postgres (or pglite) runs one store only.
  const wanted = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
  const results: StoreResult[] = [];
  if (wanted.includes('pglite')) results.push(await run('pglite'));
  if (wanted.includes('postgres') && postgresUrl) results.push(await run('postgres'));
  else if (!postgresUrl) process.stdout.write('DATABASE_URL is not set: the PostgreSQL column is skipped.\n');
  const column = (pick: (r: StoreResult) => string) => results.map(pick);
  printTable(
    `Campaigns and the pull scheduler (${contactsN.toLocaleString('en')} contacts; sim speed 50)`,
    ['measure', ...results.map((r) => r.store), 'goal'],
    [
      [`CSV import of ${contactsN.toLocaleString('en')} contacts, s`, ...column((r) => r.importS.toFixed(2)), '< 10 s on PostgreSQL'],
      ['  contacts imported per s', ...column((r) => r.importRate.toFixed(0)), ''],
      [`dispatch rate, unlimited concurrency (${dispatchN.toLocaleString('en')} calls), dials/s`, ...column((r) => r.dialsPerS.toFixed(0)), '>= 1,000 on PostgreSQL'],
      ['  calls through to their end (dial, ring, busy, filed), per s', ...column((r) => r.endedPerS.toFixed(0)), ''],
      [`queries/s, ${results[0]!.waiting.toLocaleString('en')} calls waiting, nothing due: the scheduler`, ...column((r) => r.idleSchedulerQps.toFixed(2)), 'near zero'],
      ['  the whole process (pg-boss polling for webhooks included)', ...column((r) => r.idleAllQps.toFixed(2)), ''],
      [`single API call's wait for a slot behind the campaign (${campaignSlots} slots), p50 ms`, ...column((r) => fmt(r.waitP50, 0)), ''],
      ['  p95 ms', ...column((r) => fmt(r.waitP95, 0)), ''],
      ['  max ms', ...column((r) => fmt(r.waitMax, 0)), ''],
    ],
  );
}
