/**
 * Webhook delivery latency for a burst of calls: from the moment an event is recorded (the
 * envelope's `timestamp`, written in the event's transaction) to the moment the receiver has
 * the request, on PGlite and, when DATABASE_URL is set, on PostgreSQL. Every call raises five
 * events (queued, ringing, answered, completed, analyzed), each sent to one endpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestParley, type TestParley } from '../test/support/parley.js';
import { createTempDatabase, postgresUrl, type TempDatabase } from '../test/support/postgres.js';
import { startWebhookReceiver, type RecordedDelivery } from '../test/fakes/webhook-receiver/receiver.js';
import { printTable } from './_table.js';

const callCount = Number(process.env.BENCH_CALLS ?? 40);
const eventsPerCall = 5;

interface Result {
  readonly store: string;
  readonly calls: number;
  readonly delivered: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  readonly unverified: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function burst(store: 'pglite' | 'postgres'): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-webhooks-'));
  let parley: TestParley | undefined;
  let temp: TempDatabase | undefined;
  try {
    if (store === 'postgres') temp = await createTempDatabase();
    parley = await startTestParley({ store, dataDir, ...(temp ? { databaseUrl: temp.url } : {}), env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' } });
    const tenant = await parley.tenant({ maxConcurrentCalls: callCount });
    const agent = await tenant.agent();
    const created = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/placeholder' });
    const receiver = await startWebhookReceiver({ secret: created.body.secret });
    try {
      await tenant.request('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { url: receiver.url });
      const placed = await Promise.all(
        Array.from({ length: callCount }, () => tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' })),
      );
      const callIds = placed.map((response) => response.body.id as string);
      await receiver.waitForDeliveries(callCount * eventsPerCall, 120_000);

      const latencies = receiver.deliveries
        .map((delivery) => delivery.receivedAtMs - Date.parse((delivery.json as { timestamp: string }).timestamp))
        .sort((a, b) => a - b);
      const ids = receiver.deliveries.map((delivery) => delivery.id);
      return {
        store: store === 'pglite' ? 'PGlite (embedded)' : 'PostgreSQL',
        calls: callIds.length,
        delivered: receiver.deliveries.length,
        p50Ms: percentile(latencies, 50),
        p90Ms: percentile(latencies, 90),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? NaN,
        duplicates: ids.length - new Set(ids).size,
        outOfOrder: callIds.filter((callId) => !inOrder(receiver.deliveries, callId)).length,
        unverified: receiver.deliveries.filter((delivery) => !delivery.verified).length,
      };
    } finally {
      await receiver.close();
    }
  } finally {
    await parley?.close();
    // pg's pool.end() resolves before its idle sockets have closed; dropping the database
    // under them makes the server kill them and the pool (which has no error listener) throw.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await temp?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const order = ['call.queued', 'call.ringing', 'call.answered', 'call.completed', 'call.analyzed'];

function inOrder(deliveries: readonly RecordedDelivery[], callId: string): boolean {
  const types = deliveries.filter((delivery) => (delivery.json as { data: { id: string } }).data.id === callId).map((delivery) => delivery.type);
  return JSON.stringify(types) === JSON.stringify(order);
}

export async function main(): Promise<void> {
  const stores: ('pglite' | 'postgres')[] = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];
  const results: Result[] = [];
  for (const store of stores) results.push(await burst(store));
  printTable(
    `Webhook delivery latency, event recorded -> receiver has it (${callCount} calls at once, ${eventsPerCall} events each, one endpoint, simulated network at 40x)`,
    ['store', 'calls', 'delivered', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'duplicates', 'out of order', 'unverified'],
    results.map((r) => [r.store, r.calls, r.delivered, r.p50Ms, r.p90Ms, r.p99Ms, r.maxMs, r.duplicates, r.outOfOrder, r.unverified]),
  );
}
