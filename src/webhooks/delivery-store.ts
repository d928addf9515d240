/**
 * The row-level rules of a delivery: claim an attempt atomically, record its outcome with the
 * endpoint's health, and find what may go next. Every process sharing the database follows
 * them, so an attempt is sent at most once however many workers see its job.
 */
import { and, asc, eq, inArray, lt, lte, notExists, notInArray, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../store/database.js';
import { calls, webhookDeliveries, webhookEndpoints } from '../store/schema.js';
import { finishedStatuses } from './fan-out.js';
import { abandonWaiting } from './endpoint-service.js';
import { shouldDisableEndpoint } from './backoff.js';
import type { AttemptToEnqueue } from './delivery-queue.js';

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export const deliveryStatuses = ['pending', 'delivering', 'delivered', 'failed', 'abandoned'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

const d = webhookDeliveries;
const earlier = alias(webhookDeliveries, 'earlier');

/** True (in SQL) when an earlier delivery of the same call to the same target has not finished. */
function waitsForEarlier(db: Db) {
  return db
    .select({ one: sql`1` })
    .from(earlier)
    .where(
      and(
        eq(earlier.callId, d.callId),
        sql`${earlier.endpointId} is not distinct from ${d.endpointId}`,
        lt(earlier.seq, d.seq),
        notInArray(earlier.status, [...finishedStatuses]),
      ),
    );
}

/**
 * Takes attempt `attempt` of a delivery for this process: one UPDATE that succeeds only when the
 * row still expects exactly that attempt, is due (or its previous holder's lease ran out), and
 * nothing earlier to the same target is waiting. The lease covers the send; a process that dies
 * mid-send leaves a row the sweep hands to someone else once `leaseUntil` passes.
 */
export async function claimAttempt(db: Db, deliveryId: string, attempt: number, now: Date, leaseUntil: Date, earlyToleranceMs: number): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .update(d)
    .set({ status: 'delivering', attempts: sql`${d.attempts} + 1`, nextAttemptAt: leaseUntil })
    .where(
      and(
        eq(d.id, deliveryId),
        eq(d.attempts, attempt - 1),
        or(
          and(inArray(d.status, ['pending', 'failed']), lte(d.nextAttemptAt, new Date(now.getTime() + earlyToleranceMs))),
          and(eq(d.status, 'delivering'), lte(d.nextAttemptAt, now)),
        ),
        notExists(waitsForEarlier(db)),
      ),
    )
    .returning();
  return row;
}

/** Due deliveries at the head of their line (or whose sender's lease ran out), oldest due first. */
export async function dueHeads(db: Db, now: Date, limit: number): Promise<AttemptToEnqueue[]> {
  const rows = await db
    .select({ id: d.id, attempts: d.attempts })
    .from(d)
    .where(and(inArray(d.status, ['pending', 'failed', 'delivering']), lte(d.nextAttemptAt, now), notExists(waitsForEarlier(db))))
    .orderBy(asc(d.nextAttemptAt))
    .limit(limit);
  return rows.map((row) => ({ deliveryId: row.id, attempt: row.attempts + 1 }));
}

/** What one attempt came to. */
export type AttemptOutcome =
  | { readonly kind: 'delivered'; readonly statusCode: number; readonly latencyMs: number }
  | { readonly kind: 'failed'; readonly statusCode?: number | undefined; readonly latencyMs: number; readonly error: string; readonly retryable: boolean }
  | { readonly kind: 'abandon'; readonly error: string };

export interface RecordOptions {
  /** Delay before the next attempt after `attempts` failures, or null to give up. */
  readonly nextDelayMs: (attempts: number) => number | null;
  /** The clock of the endpoint's health record (injected in tests). */
  readonly now: () => Date;
  readonly disableAfterMs: number;
}

export interface Recorded {
  readonly status: DeliveryStatus;
  /** Attempts to enqueue once the transaction has committed. */
  readonly next: AttemptToEnqueue[];
  /** Set when this failure disabled the endpoint. */
  readonly disabledEndpoint?: string;
}

/**
 * Stores an attempt's outcome, in one transaction with the endpoint's health and, when the
 * endpoint has now failed for `disableAfterMs`, its disabling. Returns null when the row moved
 * on meanwhile (its lease expired and another process took the next attempt): this outcome is
 * stale and changes nothing. Locks: the call row (shared) first, so a call event being written
 * at this moment either commits before the hand-over looks for the next delivery or sees this
 * one finished; then the endpoint (no key update: call events reading it do not wait), then the
 * delivery, the order every writer here follows.
 */
export async function recordAttempt(db: Db, row: DeliveryRow, targetUrl: string, outcome: AttemptOutcome, options: RecordOptions): Promise<Recorded | null> {
  return db.transaction(async (txRaw) => {
    const tx = txRaw;
    if (row.callId) await tx.execute(sql`select 1 from ${calls} where ${calls.id} = ${row.callId} for share`);
    const [endpoint] = row.endpointId ? await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, row.endpointId)).for('no key update') : [];
    const now = new Date();

    let status: DeliveryStatus;
    let error: string | null = null;
    let nextAttemptAt = row.nextAttemptAt;
    if (outcome.kind === 'delivered') {
      status = 'delivered';
    } else if (outcome.kind === 'abandon') {
      status = 'abandoned';
      error = outcome.error;
    } else if (row.endpointId && !endpoint?.enabled) {
      status = 'abandoned';
      error = `${outcome.error}; not retried: the endpoint is ${endpoint ? 'disabled' : 'deleted'}`;
    } else {
      const delayMs = outcome.retryable ? options.nextDelayMs(row.attempts) : null;
      error = outcome.error;
      if (delayMs === null) {
        status = 'abandoned';
        if (outcome.retryable) error = `${outcome.error}; gave up after ${row.attempts} attempts`;
      } else {
        status = 'failed';
        nextAttemptAt = new Date(now.getTime() + delayMs);
      }
    }

    const [updated] = await tx
      .update(d)
      .set({
        status,
        nextAttemptAt,
        targetUrl,
        lastError: error,
        ...(outcome.kind !== 'abandon' ? { lastStatusCode: outcome.statusCode ?? null, lastLatencyMs: outcome.latencyMs } : {}),
        ...(status === 'delivered' ? { deliveredAt: now } : {}),
      })
      .where(and(eq(d.id, row.id), eq(d.attempts, row.attempts), eq(d.status, 'delivering')))
      .returning();
    if (!updated) return null;

    let disabledEndpoint: string | undefined;
    if (endpoint?.enabled) {
      const healthNow = options.now();
      if (status === 'delivered') {
        const stale = !endpoint.lastSuccessAt || healthNow.getTime() - endpoint.lastSuccessAt.getTime() > 60_000;
        if (endpoint.failingSince || stale) {
          await tx.update(webhookEndpoints).set({ failingSince: null, lastSuccessAt: healthNow }).where(eq(webhookEndpoints.id, endpoint.id));
        }
      } else {
        const failingSince = endpoint.failingSince ?? healthNow;
        if (!endpoint.failingSince) await tx.update(webhookEndpoints).set({ failingSince }).where(eq(webhookEndpoints.id, endpoint.id));
        if (shouldDisableEndpoint({ firstFailureAt: failingSince, lastSuccessAt: endpoint.lastSuccessAt, now: healthNow, disableAfterMs: options.disableAfterMs })) {
          const reason = `Disabled automatically: every delivery has failed since ${failingSince.toISOString()} (last error: ${error ?? 'unknown'})`;
          // FOR UPDATE waits for call events reading the endpoint as enabled (see fan-out), so
          // the deliveries they add are among those abandoned below.
          await tx.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id)).for('update');
          await tx.update(webhookEndpoints).set({ enabled: false, disabledReason: reason, updatedAt: healthNow }).where(eq(webhookEndpoints.id, endpoint.id));
          await abandonWaiting(tx, endpoint.id, 'The endpoint was disabled after failing continuously');
          disabledEndpoint = endpoint.id;
          return { status: 'abandoned', next: [], disabledEndpoint };
        }
      }
    }

    if (status === 'failed') return { status, next: [{ deliveryId: row.id, attempt: row.attempts + 1, startAfter: nextAttemptAt }] };
    return { status, next: await nextInLine(tx, row) };
  });
}

/** The delivery now at the head of a finished one's (call, target) line, if it waits to be sent. */
async function nextInLine(tx: Db, row: DeliveryRow): Promise<AttemptToEnqueue[]> {
  if (!row.callId) return [];
  const [head] = await tx
    .select({ id: d.id, attempts: d.attempts, status: d.status, nextAttemptAt: d.nextAttemptAt })
    .from(d)
    .where(and(eq(d.callId, row.callId), sql`${d.endpointId} is not distinct from ${row.endpointId}`, notInArray(d.status, [...finishedStatuses])))
    .orderBy(asc(d.seq))
    .limit(1);
  if (!head || head.status === 'delivering') return [];
  return [{ deliveryId: head.id, attempt: head.attempts + 1, startAfter: head.nextAttemptAt }];
}

/** Why an attempt's job found nothing to claim: decides what becomes of the job. */
export async function inspectUnclaimed(db: Db, deliveryId: string, attempt: number, now: Date): Promise<'stale' | 'early' | 'waiting'> {
  const [row] = await db.select({ attempts: d.attempts, status: d.status, nextAttemptAt: d.nextAttemptAt }).from(d).where(eq(d.id, deliveryId));
  if (!row || row.attempts !== attempt - 1 || (finishedStatuses as readonly string[]).includes(row.status)) return 'stale';
  if (row.nextAttemptAt.getTime() > now.getTime()) return 'early';
  return 'waiting';
}

/** The row's next attempt time, for re-enqueuing an early job. */
export async function nextAttemptAt(db: Db, deliveryId: string): Promise<Date | undefined> {
  const [row] = await db.select({ at: d.nextAttemptAt }).from(d).where(eq(d.id, deliveryId));
  return row?.at;
}
