import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openDatabase, type Database, type Db } from '../store/database.js';
import { agents, calls, organizations, webhookDeliveries, webhookEndpoints } from '../store/schema.js';
import { newId } from '../shared/ids.js';
import type { CallRow } from '../calls/call-view.js';
import { fanOutEvent } from './fan-out.js';
import { claimAttempt, dueHeads, recordAttempt, type DeliveryRow, type RecordOptions } from './delivery-store.js';
import { createTempDatabase, postgresUrl, type TempDatabase } from '../../test/support/postgres.js';

let database: Database;
let temp: TempDatabase | undefined;
let db: Db;
let orgId: string;
let agentId: string;

beforeAll(async () => {
  // On the Postgres server when DATABASE_URL is set: concurrent claims really race there.
  if (postgresUrl) temp = await createTempDatabase();
  database = await openDatabase(temp ? { databaseUrl: temp.url } : { dataDir: 'memory://' });
  db = database.db;
  orgId = newId('org');
  agentId = newId('agent');
  await db.insert(organizations).values({ id: orgId, name: 'test' });
  await db.insert(agents).values({ id: agentId, orgId, name: 'a', prompt: 'p' });
});
afterAll(async () => {
  await database?.close();
  await temp?.drop();
});

let call: CallRow;
beforeEach(async () => {
  await db.delete(webhookDeliveries);
  await db.delete(webhookEndpoints);
  [call] = await db
    .insert(calls)
    .values({ id: newId('call'), orgId, agentId, toNumber: '+14155550100', fromNumber: '+14155550199', carrier: 'sim', status: 'queued', maxDurationS: 600, webhookUrl: 'https://own.example.com/hook' })
    .returning() as [CallRow];
});

async function endpoint(values: Partial<typeof webhookEndpoints.$inferInsert> = {}): Promise<string> {
  const id = newId('whep');
  await db.insert(webhookEndpoints).values({ id, orgId, url: `https://${id}.example.com/`, secretSealed: 'sealed', ...values });
  return id;
}

async function fanOut(type: string): Promise<{ id: string; endpointId: string | null }[]> {
  return db.transaction((tx) => fanOutEvent(tx, [call], type, new Date()));
}

async function rowsOf(type?: string): Promise<DeliveryRow[]> {
  const rows = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.callId, call.id));
  return rows.filter((row) => !type || row.eventType === type).sort((a, b) => a.seq - b.seq);
}

const farFuture = () => new Date(Date.now() + 60_000);
const options = (overrides: Partial<RecordOptions> = {}): RecordOptions => ({ nextDelayMs: (attempts) => (attempts < 3 ? 1_000 * attempts : null), now: () => new Date(), disableAfterMs: 5 * 86_400_000, ...overrides });

describe('fanOutEvent', () => {
  it('writes one delivery per enabled endpoint wanting the event, plus the call\'s own URL', async () => {
    const all = await endpoint();
    const onlyCompleted = await endpoint({ events: ['call.completed'] });
    await endpoint({ enabled: false });
    const heads = await fanOut('call.queued');
    expect(heads.map((head) => head.endpointId).sort()).toEqual([all, null].sort());
    const rows = await rowsOf();
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => row.endpointId === null)!.targetUrl).toBe('https://own.example.com/hook');
    expect((rows[0]!.payload as { data: { id: string } }).data.id).toBe(call.id);
    await fanOut('call.completed');
    expect((await rowsOf('call.completed')).map((row) => row.endpointId).sort()).toEqual([all, onlyCompleted, null].sort());
  });

  it('raises nothing for dialing or events that are not webhook events', async () => {
    await endpoint();
    expect(await fanOut('call.dialing')).toEqual([]);
    expect(await fanOut('agent.collected')).toEqual([]);
    expect(await rowsOf()).toHaveLength(0);
  });

  it('commits with the event or not at all', async () => {
    await endpoint();
    await expect(
      db.transaction(async (tx) => {
        await fanOutEvent(tx, [call], 'call.queued', new Date());
        throw new Error('the event failed to commit');
      }),
    ).rejects.toThrow('the event failed to commit');
    expect(await rowsOf()).toHaveLength(0);
  });

  it('returns as heads only deliveries with nothing earlier waiting for the same target', async () => {
    const id = await endpoint();
    await fanOut('call.queued');
    const second = await fanOut('call.ringing');
    expect(second).toEqual([]);
    const [queued] = await rowsOf('call.queued');
    await db.update(webhookDeliveries).set({ status: 'delivered' }).where(eq(webhookDeliveries.callId, call.id));
    const third = await fanOut('call.in_progress');
    expect(third.map((head) => head.endpointId).sort()).toEqual([id, null].sort());
    expect(queued).toBeDefined();
  });
});

describe('claimAttempt', () => {
  it('lets exactly one of two concurrent claims of an attempt through', async () => {
    await endpoint();
    const [head] = await fanOut('call.queued');
    const now = new Date();
    const results = await Promise.all([claimAttempt(db, head!.id, 1, now, farFuture(), 0), claimAttempt(db, head!.id, 1, now, farFuture(), 0)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results.find(Boolean)).toMatchObject({ status: 'delivering', attempts: 1 });
    expect(await claimAttempt(db, head!.id, 2, new Date(), farFuture(), 0)).toBeUndefined();
  });

  it('holds a later event back until the earlier one to the same target is finished', async () => {
    await endpoint();
    await fanOut('call.queued');
    await fanOut('call.ringing');
    const [queued] = (await rowsOf('call.queued')).filter((row) => row.endpointId !== null);
    const [ringing] = (await rowsOf('call.ringing')).filter((row) => row.endpointId !== null);
    expect(await claimAttempt(db, ringing!.id, 1, new Date(), farFuture(), 0)).toBeUndefined();
    expect((await dueHeads(db, new Date(), 100)).map((due) => due.deliveryId)).not.toContain(ringing!.id);
    const claimed = (await claimAttempt(db, queued!.id, 1, new Date(), farFuture(), 0))!;
    const recorded = await recordAttempt(db, claimed, claimed.targetUrl, { kind: 'delivered', statusCode: 200, latencyMs: 3 }, options());
    expect(recorded).toMatchObject({ status: 'delivered', next: [{ deliveryId: ringing!.id, attempt: 1 }] });
    expect(await claimAttempt(db, ringing!.id, 1, new Date(), farFuture(), 0)).toMatchObject({ status: 'delivering' });
  });

  it('does not take an attempt before it is due, and retakes one whose lease ran out', async () => {
    await endpoint();
    const [head] = await fanOut('call.queued');
    await db.update(webhookDeliveries).set({ nextAttemptAt: farFuture() }).where(eq(webhookDeliveries.id, head!.id));
    expect(await claimAttempt(db, head!.id, 1, new Date(), farFuture(), 1_000)).toBeUndefined();
    await db.update(webhookDeliveries).set({ nextAttemptAt: new Date() }).where(eq(webhookDeliveries.id, head!.id));
    const expiredLease = new Date(Date.now() - 1);
    expect(await claimAttempt(db, head!.id, 1, new Date(), expiredLease, 0)).toMatchObject({ attempts: 1 });
    expect(await dueHeads(db, new Date(), 100)).toContainEqual({ deliveryId: head!.id, attempt: 2 });
    expect(await claimAttempt(db, head!.id, 2, new Date(), farFuture(), 0)).toMatchObject({ attempts: 2, status: 'delivering' });
  });
});

describe('recordAttempt', () => {
  it('schedules the retry by the schedule, gives up after it, and ignores a stale outcome', async () => {
    await endpoint();
    const [head] = await fanOut('call.queued');
    let row = (await claimAttempt(db, head!.id, 1, new Date(), farFuture(), 0))!;
    const failure = { kind: 'failed', statusCode: 500, latencyMs: 4, error: 'Receiver answered 500', retryable: true } as const;
    const first = await recordAttempt(db, row, row.targetUrl, failure, options());
    expect(first!.status).toBe('failed');
    expect(first!.next[0]).toMatchObject({ deliveryId: head!.id, attempt: 2 });
    expect(first!.next[0]!.startAfter!.getTime()).toBeGreaterThan(Date.now() + 500);
    expect(await recordAttempt(db, row, row.targetUrl, failure, options())).toBeNull();

    for (const attempt of [2, 3]) {
      await db.update(webhookDeliveries).set({ nextAttemptAt: new Date() }).where(eq(webhookDeliveries.id, head!.id));
      row = (await claimAttempt(db, head!.id, attempt, new Date(), farFuture(), 0))!;
      await recordAttempt(db, row, row.targetUrl, failure, options());
    }
    const [done] = (await rowsOf('call.queued')).filter((r) => r.id === head!.id);
    expect(done).toMatchObject({ status: 'abandoned', attempts: 3, lastStatusCode: 500 });
    expect(done!.lastError).toContain('gave up after 3 attempts');
  });

  it('abandons at once what can never succeed (a refused target)', async () => {
    await endpoint();
    const [head] = await fanOut('call.queued');
    const row = (await claimAttempt(db, head!.id, 1, new Date(), farFuture(), 0))!;
    const recorded = await recordAttempt(db, row, row.targetUrl, { kind: 'failed', latencyMs: 1, error: 'The webhook host resolves to a private network address (loopback)', retryable: false }, options());
    expect(recorded!.status).toBe('abandoned');
  });

  it('disables an endpoint failing for the whole window, on the injected clock, and abandons what waited', async () => {
    const id = await endpoint();
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const opts = options({ now: () => new Date(clock) });
    const fail = { kind: 'failed', statusCode: 503, latencyMs: 2, error: 'Receiver answered 503', retryable: true } as const;
    const [head] = (await fanOut('call.queued')).filter((h) => h.endpointId === id);
    await fanOut('call.ringing');
    let row = (await claimAttempt(db, head!.id, 1, new Date(), farFuture(), 0))!;
    await recordAttempt(db, row, row.targetUrl, fail, opts);
    const [failing] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    expect(failing).toMatchObject({ enabled: true, failingSince: new Date(clock) });

    clock += 5 * 86_400_000;
    await db.update(webhookDeliveries).set({ nextAttemptAt: new Date() }).where(eq(webhookDeliveries.id, head!.id));
    row = (await claimAttempt(db, head!.id, 2, new Date(), farFuture(), 0))!;
    const recorded = await recordAttempt(db, row, row.targetUrl, fail, opts);
    expect(recorded).toMatchObject({ status: 'abandoned', disabledEndpoint: id, next: [] });
    const [disabled] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    expect(disabled!.enabled).toBe(false);
    expect(disabled!.disabledReason).toContain('2030-01-01T00:00:00.000Z');
    const mine = (await rowsOf()).filter((r) => r.endpointId === id);
    expect(mine.map((r) => r.status)).toEqual(['abandoned', 'abandoned']);
  });
});
