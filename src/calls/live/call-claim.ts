/** Claiming a queued call for dialing, under the organisation's concurrent-call limit. */
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../store/database.js';
import { calls, organizations } from '../../store/schema.js';
import type { ClaimResult } from '../../dispatch/dispatcher.js';
import type { CallService } from '../call-service.js';
import { activeStatuses } from '../call-status.js';

export const leaseDurationMs = 30_000;

/**
 * Moves a queued call to `dialing` and leases it to this worker, if the organisation has a free
 * slot. The organisation's row lock serialises claims across processes, so two workers never
 * both take the last slot, and the guarded transition means a call is claimed at most once.
 */
export async function claimCall(db: Db, callService: CallService, callId: string, workerId: string, defaultLimit: number): Promise<ClaimResult> {
  const call = await callService.getById(callId);
  if (!call || call.status !== 'queued') return { type: 'skip' };
  const result = await db.transaction(async (tx) => {
    const [org] = await tx
      .select({ limit: organizations.maxConcurrentCalls })
      .from(organizations)
      .where(eq(organizations.id, call.orgId))
      .for('update');
    const [active] = await tx
      .select({ n: count() })
      .from(calls)
      .where(and(eq(calls.orgId, call.orgId), inArray(calls.status, [...activeStatuses])));
    if ((active?.n ?? 0) >= (org?.limit ?? defaultLimit)) return 'wait' as const;
    return callService.transitionIn(tx as unknown as Db, callId, 'dialing', {
      leaseOwner: workerId,
      leaseExpiresAt: new Date(Date.now() + leaseDurationMs),
      eventData: { worker: workerId },
    });
  });
  if (result === 'wait') return { type: 'wait' };
  if (!result) return { type: 'skip' };
  callService.publish(result);
  return { type: 'claimed' };
}

/** Extends this worker's leases; returns the calls it holds that someone asked to cancel. */
export async function renewLeases(db: Db, workerId: string): Promise<{ id: string; cancelRequested: boolean }[]> {
  const rows = await db
    .update(calls)
    .set({ leaseExpiresAt: sql`now() + make_interval(secs => ${leaseDurationMs / 1000})` })
    .where(and(eq(calls.leaseOwner, workerId), inArray(calls.status, [...activeStatuses])))
    .returning({ id: calls.id, cancelRequestedAt: calls.cancelRequestedAt });
  return rows.map((row) => ({ id: row.id, cancelRequested: row.cancelRequestedAt !== null }));
}

/** Live calls whose worker stopped renewing its lease (it crashed or lost the database). */
export async function expiredLeases(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: calls.id })
    .from(calls)
    .where(and(inArray(calls.status, [...activeStatuses]), sql`${calls.leaseExpiresAt} < now()`));
  return rows.map((row) => row.id);
}

/** Queued calls older than a few seconds: their jobs are re-sent (a no-op when the job exists). */
export async function queuedCalls(db: Db, olderThanMs: number): Promise<{ id: string; scheduledFor: Date | null }[]> {
  return db
    .select({ id: calls.id, scheduledFor: calls.scheduledFor })
    .from(calls)
    .where(and(eq(calls.status, 'queued'), sql`${calls.createdAt} < now() - make_interval(secs => ${olderThanMs / 1000})`))
    .limit(5000);
}
