/**
 * Claim rounds: the pull side of the scheduler. One transaction per round and organisation
 * locks the organisation's row (so two processes never both take its last slot) while counting
 * its live calls, takes the next eligible work of each queue lane with `FOR UPDATE SKIP LOCKED`
 * (single calls by priority and due time; each running campaign its due contacts), shares the
 * free slots between lanes round-robin, passes every pick through the dial rules, and has each
 * lane carry out the verdicts on all its picks at once. A round costs about a dozen statements
 * whatever it claims (up to `maxPerRound` calls), not several per call. A call is claimed at
 * most once: the guarded move out of `queued` (or a campaign attempt's insert, under the
 * contact's row lock) is the only way to `dialing`.
 */
import { and, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../store/database.js';
import { calls, campaigns, organizations } from '../../store/schema.js';
import type { ClaimRound } from '../../dispatch/scheduler.js';
import { judgeDials, type DialCandidate, type DialVerdict, type HoldReason, type LabelledWindow, type RefuseReason } from '../../dispatch/dial-rules.js';
import { numberTimezones } from '../../dispatch/number-timezones.js';
import { windowOf, type ScheduleInput } from '../../dispatch/calling-window.js';
import { dailyCapFor, defaultWindowFor, orgSettingsOf, type OrgSettings } from '../../orgs/org-settings.js';
import type { CallService, TransitionResult } from '../call-service.js';
import { activeStatuses } from '../call-status.js';
import { dialQueuedIn, failQueuedIn, holdQueuedIn, rowsOf, type Lease } from '../call-batches.js';

export { rowsOf, type Lease } from '../call-batches.js';

export const leaseDurationMs = 30_000;
/**
 * Calls claimed in one round at most: bounds a transaction's length (and the organisation's row
 * lock) when slots are plentiful. The campaign bench on PostgreSQL (10,000 contacts, a shared
 * 2-core machine) dispatched 977 dials/s at 500 a round and 1,302 at 1,000, a round then
 * holding the lock about 0.8 s.
 */
const maxPerRound = 1000;

/** One pick from a lane: what the dial rules need, and the lane's id for it. */
export interface LaneItem extends DialCandidate {
  readonly id: string;
}

/** The dial rules' verdicts on one lane's picks. */
export interface LaneVerdicts {
  readonly go: readonly string[];
  readonly hold: readonly { id: string; until: Date; reason: HoldReason }[];
  readonly refuse: readonly { id: string; reason: RefuseReason }[];
}

export interface QueueLane {
  readonly key: string;
  /** How many of this lane may start now by its own caps. */
  readonly room: number;
  /** Locks and returns up to `limit` of the lane's due items, in the order they should go. */
  take(tx: Tx, limit: number, now: Date): Promise<LaneItem[]>;
  /**
   * Carries out the verdicts on what `take` returned (called once for every lane that took, with
   * whatever of its items were picked): leases the `go` ones, holds and refuses the others, in a
   * few statements for all of them. Returns the transitions to publish once the round commits.
   */
  settle(tx: Tx, verdicts: LaneVerdicts, lease: Lease, now: Date): Promise<TransitionResult[]>;
}

export interface LaneContext {
  readonly orgId: string;
  readonly now: Date;
  readonly settings: OrgSettings;
  /** Whether a carrier is a simulated network (the carrier registry answers; no id is named). */
  readonly simulated: (carrier: string) => boolean;
}

/** More lanes (campaigns) for an organisation, built inside the round's transaction. */
export interface LaneSource {
  lanes(tx: Tx, context: LaneContext): Promise<{ lanes: QueueLane[]; retryAt?: Date | null }>;
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

const activeList = sql.raw(activeStatuses.map((status) => `'${status}'`).join(', '));

/** Locks the organisation's row and reads its limit, settings and live calls, in one statement. */
async function lockOrganization(tx: Tx, orgId: string) {
  const [org] = await tx
    .select({
      limit: organizations.maxConcurrentCalls,
      settings: organizations.settings,
      // Written out: drizzle leaves a single-table select's columns unqualified, which inside the subquery would name calls' own.
      active: sql<number>`(select count(*)::int from calls live where live.org_id = ${orgId} and live.status in (${activeList}))`,
    })
    .from(organizations)
    .where(eq(organizations.id, orgId))
    .for('update');
  return org;
}

export async function claimRound(deps: ClaimDeps, orgId: string, now: Date): Promise<ClaimRound> {
  const published: TransitionResult[] = [];
  const round = await deps.db.transaction(async (tx) => {
    const org = await lockOrganization(tx, orgId);
    if (!org) return { progressed: false, retryAt: null };
    const free = Math.min((org.limit ?? deps.defaultLimit) - Number(org.active), maxPerRound);
    if (free <= 0) return { progressed: false, retryAt: null };
    const context: LaneContext = { orgId, now, settings: orgSettingsOf(org.settings), simulated: deps.simulated };
    const lanes: QueueLane[] = [singleCallsLane(deps, context)];
    let retryAt: Date | null = null;
    for (const source of deps.sources) {
      const more = await source.lanes(tx, context);
      lanes.push(...more.lanes);
      if (more.retryAt && (!retryAt || more.retryAt < retryAt)) retryAt = more.retryAt;
    }
    const { picked, asked } = await pickRoundRobin(tx, lanes, free, now, orgId);
    const verdicts = await judgeDials(tx, orgId, picked.map((pick) => pick.item), now);
    const lease: Lease = { leaseOwner: deps.workerId, leaseExpiresAt: new Date(Date.now() + leaseDurationMs), worker: deps.workerId };
    for (const lane of asked) {
      const mine = picked.flatMap((pick, index) => (pick.lane === lane ? [{ id: pick.item.id, verdict: verdicts[index]! }] : []));
      published.push(...(await lane.settle(tx, sortVerdicts(mine), lease, now)));
    }
    return { progressed: picked.length > 0, retryAt };
  });
  for (const result of published) deps.calls.publish(result);
  const claimed = published.filter((result) => result.row.status === 'dialing').map((result) => result.row.id);
  return { claimed, progressed: round.progressed, retryAt: round.retryAt };
}

function sortVerdicts(items: readonly { id: string; verdict: DialVerdict }[]): LaneVerdicts {
  const verdicts: { go: string[]; hold: { id: string; until: Date; reason: HoldReason }[]; refuse: { id: string; reason: RefuseReason }[] } = { go: [], hold: [], refuse: [] };
  for (const { id, verdict } of items) {
    if (verdict.type === 'go') verdicts.go.push(id);
    else if (verdict.type === 'hold') verdicts.hold.push({ id, until: verdict.until, reason: verdict.reason });
    else verdicts.refuse.push({ id, reason: verdict.reason });
  }
  return verdicts;
}

/**
 * Takes up to `free` items, one lane at a time in turn, starting after the lane served last.
 * Returns the picks and every lane that was asked to take (each is settled, picks or not).
 */
async function pickRoundRobin(tx: Tx, lanes: QueueLane[], free: number, now: Date, orgId: string): Promise<{ picked: { lane: QueueLane; item: LaneItem }[]; asked: QueueLane[] }> {
  const start = Math.max(0, lanes.findIndex((lane) => lane.key === cursors.get(orgId)) + 1) % Math.max(1, lanes.length);
  const ordered = [...lanes.slice(start), ...lanes.slice(0, start)];
  const queues: { lane: QueueLane; item: LaneItem }[][] = [];
  const asked: QueueLane[] = [];
  for (const lane of ordered) {
    const limit = Math.min(free, lane.room);
    if (limit <= 0) continue;
    asked.push(lane);
    queues.push((await lane.take(tx, limit, now)).map((item) => ({ lane, item })));
  }
  const picked: { lane: QueueLane; item: LaneItem }[] = [];
  for (let turn = 0; picked.length < free; turn++) {
    let any = false;
    for (const queue of queues) {
      const pick = queue[turn];
      if (!pick) continue;
      any = true;
      picked.push(pick);
      if (picked.length >= free) break;
    }
    if (!any) break;
  }
  const last = picked[picked.length - 1];
  if (last) cursors.set(orgId, last.lane.key);
  return { picked, asked };
}

/**
 * Calls stored as rows (API, dialects, hooks), by priority then due time. A call filed under a
 * campaign (a dialect's campaign_id) waits while that campaign is paused, and keeps to its schedule.
 */
function singleCallsLane(deps: ClaimDeps, context: LaneContext): QueueLane {
  const taken = new Map<string, { heldReason: string | null; dueAt: Date | null }>();
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
        taken.set(row.id, { heldReason: row.heldReason, dueAt: row.dueAt });
        const schedule = row.campaignId ? schedules.get(row.campaignId) : null;
        return {
          id: row.id,
          number: row.to,
          zones: numberTimezones(row.to),
          dailyCap: dailyCapFor(context.settings, context.simulated(row.carrier)),
          windows: [
            ...orgWindow(context, row.carrier),
            ...(schedule ? [{ window: windowOf(schedule), reason: 'campaign_schedule' as const }] : []),
          ],
        };
      });
    },
    async settle(tx, verdicts, lease) {
      const holds = verdicts.hold.map((hold) => {
        const before = taken.get(hold.id);
        return { ...hold, record: before?.heldReason !== hold.reason || before?.dueAt?.getTime() !== hold.until.getTime() };
      });
      await holdQueuedIn(tx, context.orgId, holds);
      const refused = await failQueuedIn(deps.calls, tx, verdicts.refuse);
      const dialing = await dialQueuedIn(deps.calls, tx, verdicts.go, lease);
      return [...refused, ...dialing];
    },
  };
}

/** The organisation's default window for a call on `carrier`, labelled, when it applies. */
function orgWindow(context: LaneContext, carrier: string): LabelledWindow[] {
  const window = defaultWindowFor(context.settings, context.simulated(carrier));
  return window ? [{ window, reason: 'calling_window' }] : [];
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
    const org = await lockOrganization(tx, orgId);
    if (!org) return 'gone' as const;
    if ((org.limit ?? deps.defaultLimit) - Number(org.active) <= 0) return 'busy' as const;
    const lease: Lease = { leaseOwner: deps.workerId, leaseExpiresAt: new Date(Date.now() + leaseDurationMs), worker: deps.workerId };
    return (await deps.calls.transitionIn(tx, callId, 'dialing', { leaseOwner: lease.leaseOwner, leaseExpiresAt: lease.leaseExpiresAt, eventData: { worker: lease.worker } })) ?? ('gone' as const);
  });
  if (typeof result === 'string') return result;
  deps.calls.publish(result);
  return 'claimed';
}
