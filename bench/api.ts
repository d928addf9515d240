/**
 * POST /v1/calls throughput and latency on PGlite and on PostgreSQL, beside a bare Fastify route
 * on the same machine, so the ratio shows what validation + auth + the store + the queue cost.
 * The dialer is off: this measures accepting calls, not placing them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { startTestParley, type TestParley } from '../test/support/parley.js';
import { postgresUrl } from '../test/support/postgres.js';
import { printTable } from './_table.js';

const durationS = Number(process.env.BENCH_DURATION_S ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);

interface Result {
  readonly target: string;
  readonly requestsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

async function load(target: string, url: string, headers: Record<string, string>, body: string): Promise<Result> {
  // A short warm-up so JIT and connection pools are not what is measured.
  await autocannon({ url, method: 'POST', headers, body, connections, duration: 1 });
  const result = await autocannon({ url, method: 'POST', headers, body, connections, duration: durationS });
  return {
    target,
    requestsPerS: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

async function bareFastify(): Promise<Result> {
  const app = Fastify();
  app.post('/v1/calls', async (request, reply) => reply.status(201).send({ id: 'call_x', status: 'queued', ...(request.body as object) }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    return await load('bare Fastify route', `${url}/v1/calls`, { 'content-type': 'application/json' }, JSON.stringify({ to: '+14155550100' }));
  } finally {
    await app.close();
  }
}

async function parleyOn(store: 'pglite' | 'postgres'): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  let parley: TestParley | undefined;
  try {
    parley = await startTestParley({ store, dataDir, env: { PARLEY_WORKER: 'off' } });
    const tenant = await parley.tenant();
    const agent = await tenant.agent({ greeting: 'Hi {{customer_name}}, this is a reminder for {{appointment_date}}.' });
    const body = JSON.stringify({ agent_id: agent.id, to: '+14155550100', variables: { customer_name: 'Ana', appointment_date: 'Tuesday' } });
    return await load(`Parley on ${store === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL'}`, `${parley.url}/v1/calls`, { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` }, body);
  } finally {
    await parley?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const results: Result[] = [await bareFastify(), await parleyOn('pglite')];
  if (postgresUrl) results.push(await parleyOn('postgres'));
  else process.stdout.write('DATABASE_URL is not set: the PostgreSQL row is skipped.\n');
  const bare = results[0]!;
  printTable(
    `POST /v1/calls, ${connections} connections, ${durationS} s each (dialer off)`,
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'throughput vs bare'],
    results.map((r) => [r.target, r.requestsPerS, r.p50Ms, r.p99Ms, r.errors, `${(r.requestsPerS / bare.requestsPerS).toFixed(3)}x`]),
  );
}
