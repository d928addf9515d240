/**
 * Claim rounds: the pull side of the scheduler. One transaction per round and organisation
 * locks the organisation's row (so two processes never both take its last slot), counts its
 * live calls, takes the next eligible work of each queue lane with `FOR UPDATE SKIP LOCKED`
 * (single calls by priority and due time; each running campaign its due contacts), shares the
 * free slots between lanes round-robin, passes every pick through the dial rules, and leases
 * what may go to this worker. A call is claimed at most once: the guarded transition to
 * `dialing` is the only way out of `queued`.
 */
import { and, count, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../store/database.js';
import { calls, campaigns, organizations } from '../../store/schema.js';
import type { ClaimRound } from '../../dispatch/scheduler.js';
import { judgeDials, type DialCandidate, type HoldReason, type RefuseReason } from '../../dispatch/dial-rules.js';
import { numberTimezones } from '../../dispatch/number-timezones.js';
import { windowOf, type ScheduleInput } from '../../dispatch/calling-window.js';
import { dailyCapFor, defaultWindowOf, orgSettingsOf, type OrgSettings } from '../../orgs/org-settings.js';
import type { CallService, TransitionResult } from '../call-service.js';
import { activeStatuses } from '../call-status.js';

export const leaseDurationMs = 30_000;
/** Calls claimed in one round at most: bounds a transaction's length when slots are plentiful. */
const maxPerRound = 250;

export interface Lease {
  readonly leaseOwner: string;
  readonly leaseExpiresAt: Date;
  readonly worker: string;
}

/** One pick from a lane: what the dial rules need, and what to do with their verdict. */
export interface LaneItem extends DialCandidate {
  /** Leases it; returns the committed transitions to publish (none when it was taken meanwhile). */
  go(tx: Tx, lease: Lease): Promise<TransitionResult[]>;
  hold(tx: Tx, until: Date, reason: HoldReason): Promise<void>;
  refuse(tx: Tx, reason: RefuseReason): Promise<TransitionResult[]>;
}

export interface QueueLane {
  readonly key: string;
  /** How many of this lane may start now by its own caps. */
  readonly room: number;
  take(tx: Tx, limit: number, now: Date): Promise<LaneItem[]>;
}

export interface LaneContext {
  readonly orgId: string;
  readonly now: Date;
  readonly settings: OrgSettings;
}

/** More lanes (campaigns) for an organisation, built inside the round's transaction. */
export interface LaneSource {
  lanes(tx: Db, context: LaneContext): Promise<{ lanes: QueueLane[]; retryAt?: Date | null }>;
  /** Organisations in which this source has work due at `now`. */
  dueOrganizations(db: Db, now: Date): Promise<string[]>;
  /** The earliest time after `now` at which this source's waiting work falls due. */
  nextDueAt(db: Db, now: Date): Promise<Date | null>;
}

export interface ClaimDeps {
  readonly db: Db;
  readonly calls: CallService;
  readonly workerId: string;
  readonly defaultLimit: number;
  readonly sources: readonly LaneSource[];
  /** Whether a carrier is a simulated network (its calls reach nobody, so calling windows do not apply). */
  readonly simulated: (carrier: string) => boolean;
}

/** Where round-robin resumes per organisation (in this process; others keep their own). */
const cursors = new Map<string, string>();

export async function claimRound(deps: ClaimDeps, orgId: string, now: Date): Promise<ClaimRound> {
  const published: TransitionResult[] = [];
  const claimed: string[] = [];
  const round = await deps.db.transaction(async (tx) => {
    const db = tx;
    const [org] = await db.select({ limit: organizations.maxConcurrentCalls, settings: organizations.settings }).from(organizations).where(eq(organizations.id, orgId)).for('update');
    if (!org) return { progressed: false, retryAt: null };
    const [active] = await db.select({ n: count() }).from(calls).where(and(eq(calls.orgId, orgId), inArray(calls.status, [...activeStatuses])));
    const free = Math.min((org.limit ?? deps.defaultLimit) - Number(active?.n ?? 0), maxPerRound);
    if (free <= 0) return { progressed: false, retryAt: null };
    const settings = orgSettingsOf(org.settings);
    const context: LaneContext = { orgId, now, settings };
    const lanes: QueueLane[] = [singleCallsLane(deps, context)];
    let retryAt: Date | null = null;
    for (const source of deps.sources) {
      const more = await source.lanes(db, context);
      lanes.push(...more.lanes);
      if (more.retryAt && (!retryAt || more.retryAt < retryAt)) retryAt = more.retryAt;
    }
    const picked = await pickRoundRobin(db, lanes, free, now, orgId);
    if (picked.length === 0) return { progressed: false, retryAt };
    const verdicts = await judgeDials(db, orgId, picked, now);
    const lease: Lease = { leaseOwner: deps.workerId, leaseExpiresAt: new Date(Date.now() + leaseDurationMs), worker: deps.workerId };
    for (const [index, item] of picked.entries()) {
      const verdict = verdicts[index]!;
      if (verdict.type === 'go') {
        const results = await item.go(db, lease);
        published.push(...results);
        const dialing = results.find((result) => result.row.status === 'dialing');
        if (dialing) claimed.push(dialing.row.id);
      } else if (verdict.type === 'hold') {
        await item.hold(db, verdict.until, verdict.reason);
      } else {
        published.push(...(await item.refuse(db, verdict.reason)));
      }
    }
    return { progressed: true, retryAt };
  });
  for (const result of published) deps.calls.publish(result);
  return { claimed, progressed: round.progressed, retryAt: round.retryAt };
}

/** Takes up to `free` items, one lane at a time in turn, starting after the lane served last. */
async function pickRoundRobin(db: Tx, lanes: QueueLane[], free: number, now: Date, orgId: string): Promise<(LaneItem & { lane: string })[]> {
  const start = Math.max(0, lanes.findIndex((lane) => lane.key === cursors.get(orgId)) + 1) % Math.max(1, lanes.length);
  const ordered = [...lanes.slice(start), ...lanes.slice(0, start)];
  const queues: (LaneItem & { lane: string })[][] = [];
  for (const lane of ordered) {
    const limit = Math.min(free, lane.room);
    queues.push(limit > 0 ? (await lane.take(db, limit, now)).map((item) => Object.assign(item, { lane: lane.key })) : []);
  }
  const picked: (LaneItem & { lane: string })[] = [];
  for (let turn = 0; picked.length < free; turn++) {
    let any = false;
    for (const queue of queues) {
      const item = queue[turn];
      if (!item) continue;
      any = true;
      picked.push(item);
      if (picked.length >= free) break;
    }
    if (!any) break;
  }
  const last = picked[picked.length - 1];
  if (last) cursors.set(orgId, last.lane);
  return picked;
}

/**
 * Calls stored as rows (API, dialects, hooks), by priority then due time. A call filed under a
 * campaign (a dialect's campaign_id) waits while that campaign is paused, and keeps to its schedule.
 */
function singleCallsLane(deps: ClaimDeps, context: LaneContext): QueueLane {
  const defaultWindow = defaultWindowOf(context.settings);
  return {
    key: 'calls',
    room: Number.POSITIVE_INFINITY,
    async take(tx, limit, now) {
      const rows = await tx
        .select({ id: calls.id, to: calls.toNumber, carrier: calls.carrier, campaignId: calls.campaignId, heldReason: calls.heldReason, dueAt: calls.dueAt })
        .from(calls)
        .where(
          and(
            eq(calls.orgId, context.orgId),
            eq(calls.status, 'queued'),
            lte(calls.dueAt, now),
            or(isNull(calls.campaignId), sql`not exists (select 1 from ${campaigns} where ${campaigns.id} = ${calls.campaignId} and ${campaigns.status} = 'paused')`),
          ),
        )
        .orderBy(sql`${calls.priority} desc`, calls.dueAt)
        .limit(limit)
        .for('update', { skipLocked: true });
      const campaignIds = [...new Set(rows.map((row) => row.campaignId).filter((id): id is string => id !== null))];
      const schedules = new Map<string, ScheduleInput | null>();
      if (campaignIds.length > 0) {
        for (const row of await tx.select({ id: campaigns.id, schedule: campaigns.schedule }).from(campaigns).where(inArray(campaigns.id, campaignIds))) {
          schedules.set(row.id, (row.schedule as ScheduleInput | null) ?? null);
        }
      }
      return rows.map((row): LaneItem => {
        const schedule = row.campaignId ? schedules.get(row.campaignId) : null;
        return {
          number: row.to,
          zones: numberTimezones(row.to),
          dailyCap: dailyCapFor(context.settings, row.carrier),
          windows: [
            ...(defaultWindow && !deps.simulated(row.carrier) ? [{ window: defaultWindow, reason: 'calling_window' as const }] : []),
            ...(schedule ? [{ window: windowOf(schedule), reason: 'campaign_schedule' as const }] : []),
          ],
          async go(db, lease) {
            const result = await deps.calls.transitionIn(db, row.id, 'dialing', { leaseOwner: lease.leaseOwner, leaseExpiresAt: lease.leaseExpiresAt, eventData: { worker: lease.worker } });
            return result ? [result] : [];
          },
          async hold(db, until, reason) {
            await deps.calls.holdIn(db, row.id, until, reason, row.heldReason !== reason || row.dueAt?.getTime() !== until.getTime());
          },
          async refuse(db, reason) {
            const result = await deps.calls.transitionIn(db, row.id, 'failed', { endReason: reason });
            return result ? [result] : [];
          },
        };
      });
    },
  };
}

/** Organisations with a queued call due at `now` (campaign lanes add their own). */
export async function orgsWithDueCalls(db: Db, now: Date): Promise<string[]> {
  const rows = await db.execute<{ org_id: string }>(sql`
    select o.id as org_id from ${organizations} o
    where exists (select 1 from ${calls} c where c.org_id = o.id and c.status = 'queued' and c.due_at <= ${now.toISOString()}::timestamptz)`);
  return rowsOf<{ org_id: string }>(rows).map((row) => row.org_id);
}

/** The earliest due time of a queued call after `now`. */
export async function nextCallDueAt(db: Db, now: Date): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<string | null>`min(${calls.dueAt})` })
    .from(calls)
    .where(and(eq(calls.status, 'queued'), sql`${calls.dueAt} > ${now.toISOString()}::timestamptz`));
  return row?.at ? new Date(row.at) : null;
}

/** Rows of a raw `execute` on either driver (node-postgres answers a result, PGlite too). */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
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

/**
 * Claims one queued call for this worker now, if the organisation has a free slot: for a call
 * whose line exists only in this process (a browser's web call), which no scheduler picks up.
 */
export async function claimDirectCall(deps: Pick<ClaimDeps, 'db' | 'calls' | 'workerId' | 'defaultLimit'>, orgId: string, callId: string): Promise<'claimed' | 'busy' | 'gone'> {
  const result = await deps.db.transaction(async (tx) => {
    const [org] = await tx.select({ limit: organizations.maxConcurrentCalls }).from(organizations).where(eq(organizations.id, orgId)).for('update');
    if (!org) return 'gone' as const;
    const [active] = await tx.select({ n: count() }).from(calls).where(and(eq(calls.orgId, orgId), inArray(calls.status, [...activeStatuses])));
    if ((org.limit ?? deps.defaultLimit) - Number(active?.n ?? 0) <= 0) return 'busy' as const;
    const lease: Lease = { leaseOwner: deps.workerId, leaseExpiresAt: new Date(Date.now() + leaseDurationMs), worker: deps.workerId };
    return (await deps.calls.transitionIn(tx, callId, 'dialing', { leaseOwner: lease.leaseOwner, leaseExpiresAt: lease.leaseExpiresAt, eventData: { worker: lease.worker } })) ?? ('gone' as const);
  });
  if (typeof result === 'string') return result;
  deps.calls.publish(result);
  return 'claimed';
}
