/**
 * Status changes for a whole claim round at once: calls leaving the queue (leased to dial, or
 * refused), calls held for later, and campaign attempts stored already leased. Each is one
 * statement for the rows, one for their events and one pass of the event hooks over all of them,
 * so the cost of a round does not grow with the number of calls it claims. The caller's
 * transaction has locked the rows it passes (FOR UPDATE SKIP LOCKED), and publishes the results
 * once it has committed.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../store/database.js';
import { callEvents, calls } from '../store/schema.js';
import type { CallService, ClaimedCallValues, TransitionResult } from './call-service.js';
import type { CallRow } from './call-view.js';

export interface Lease {
  readonly leaseOwner: string;
  readonly leaseExpiresAt: Date;
  readonly worker: string;
}

export interface Hold {
  readonly id: string;
  readonly until: Date;
  readonly reason: string;
  /** Adds a `call.held` event (once per change of reason or time, not on every look). */
  readonly record: boolean;
}

/** Leases queued calls to this worker: `queued -> dialing`, with their events and hooks. */
export async function dialQueuedIn(service: CallService, tx: Tx, ids: readonly string[], lease: Lease): Promise<TransitionResult[]> {
  if (ids.length === 0) return [];
  const now = new Date();
  const rows = await tx
    .update(calls)
    .set({ status: 'dialing', updatedAt: now, dialedAt: now, leaseOwner: lease.leaseOwner, leaseExpiresAt: lease.leaseExpiresAt })
    .where(and(inArray(calls.id, [...ids]), eq(calls.status, 'queued')))
    .returning();
  return recorded(service, tx, rows, 'dialing', () => ({ worker: lease.worker }));
}

/** Ends queued calls that may never be dialled (`queued -> failed`, e.g. do-not-call). */
export async function failQueuedIn(service: CallService, tx: Tx, refusals: readonly { id: string; reason: string }[]): Promise<TransitionResult[]> {
  if (refusals.length === 0) return [];
  const now = new Date();
  const results: TransitionResult[] = [];
  // Grouped by reason so each group is one statement (a round refuses few, mostly for one reason).
  for (const reason of new Set(refusals.map((refusal) => refusal.reason))) {
    const ids = refusals.filter((refusal) => refusal.reason === reason).map((refusal) => refusal.id);
    const rows = await tx
      .update(calls)
      .set({ status: 'failed', updatedAt: now, endedAt: now, endReason: reason, durationS: 0, leaseOwner: null, leaseExpiresAt: null })
      .where(and(inArray(calls.id, ids), eq(calls.status, 'queued')))
      .returning();
    results.push(...(await recorded(service, tx, rows, 'failed', (row) => ({ end_reason: row.endReason }))));
  }
  return results;
}

/** Keeps queued calls of `orgId` waiting until their `until`, saying why (`held_reason`, a `call.held` event). */
export async function holdQueuedIn(tx: Tx, orgId: string, holds: readonly Hold[]): Promise<void> {
  if (holds.length === 0) return;
  const now = new Date().toISOString();
  const rows = holds.map((hold) => ({ id: hold.id, until: hold.until.toISOString(), reason: hold.reason }));
  const held = rowsOf<{ id: string }>(await tx.execute(sql`
    update ${calls} c set due_at = h.until, held_reason = h.reason, updated_at = ${now}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as h(id text, until timestamptz, reason text)
    where c.id = h.id and c.status = 'queued'
    returning c.id`));
  const stillQueued = new Set(held.map((row) => row.id));
  const events = holds
    .filter((hold) => hold.record && stillQueued.has(hold.id))
    .map((hold) => ({ callId: hold.id, orgId, type: 'call.held', data: { reason: hold.reason, until: hold.until.toISOString() } }));
  if (events.length > 0) await tx.insert(callEvents).values(events);
}

/** Rows of a raw `execute` on either driver (node-postgres answers a result, PGlite too). */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

/**
 * Stores calls that are leased the moment they exist (campaign attempts): one insert of the rows,
 * already `dialing`, one of their `call.queued` and `call.dialing` events, and the hooks of both
 * (the `call.queued` hooks see each call as it was queued).
 */
export async function createClaimedIn(service: CallService, tx: Tx, values: readonly ClaimedCallValues[], lease: Lease): Promise<TransitionResult[]> {
  if (values.length === 0) return [];
  const now = new Date();
  const rows = await tx
    .insert(calls)
    .values(values.map((value) => ({ ...value, status: 'dialing', dueAt: now, dialedAt: now, createdAt: now, updatedAt: now, leaseOwner: lease.leaseOwner, leaseExpiresAt: lease.leaseExpiresAt })))
    .returning();
  const queuedViews = rows.map((row): CallRow => ({ ...row, status: 'queued', dialedAt: null, leaseOwner: null, leaseExpiresAt: null }));
  await tx.insert(callEvents).values([
    ...rows.map((row) => ({ callId: row.id, orgId: row.orgId, type: 'call.queued', data: { status: 'queued' } })),
    ...rows.map((row) => ({ callId: row.id, orgId: row.orgId, type: 'call.dialing', data: { status: 'dialing', from_status: 'queued', worker: lease.worker } })),
  ]);
  await service.runHooksIn(tx, queuedViews, 'call.queued');
  await service.runHooksIn(tx, rows, 'call.dialing');
  return rows.map((row) => ({ row, from: 'queued' }));
}

/** Records `call.<to>` for rows that just left `queued`, runs its hooks, and returns the results. */
async function recorded(service: CallService, tx: Tx, rows: readonly CallRow[], to: 'dialing' | 'failed', extra: (row: CallRow) => Record<string, unknown>): Promise<TransitionResult[]> {
  if (rows.length === 0) return [];
  await tx.insert(callEvents).values(rows.map((row) => ({ callId: row.id, orgId: row.orgId, type: `call.${to}`, data: { status: to, from_status: 'queued', ...extra(row) } })));
  await service.runHooksIn(tx, rows, `call.${to}`);
  return rows.map((row) => ({ row, from: 'queued' }));
}
