/**
 * The rules every call passes at the moment it would be dialled, single or campaign, native or
 * dialect: the do-not-call list, the per-number daily cap, and the calling windows in the
 * callee's local time. Checked for a whole claim round at once (two queries, whatever its size).
 */
import { and, count, gt, inArray, eq, min } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { calls, doNotCall } from '../store/schema.js';
import { checkWindows, type CallingWindow } from './calling-window.js';
import { everyOffsetZone } from './number-timezones.js';

export type HoldReason = 'calling_window' | 'campaign_schedule' | 'daily_cap';
export type RefuseReason = 'do_not_call' | 'no_calling_window' | 'schedule_ended' | 'unknown_timezone';

export type DialVerdict =
  | { readonly type: 'go' }
  /** Not now: wait until `until` (it stays queued and says so). */
  | { readonly type: 'hold'; readonly until: Date; readonly reason: HoldReason }
  /** Never: the number is on the do-not-call list, or no window will ever open. */
  | { readonly type: 'refuse'; readonly reason: RefuseReason };

export interface LabelledWindow {
  readonly window: CallingWindow;
  /** What a hold by this window is called. */
  readonly reason: 'calling_window' | 'campaign_schedule';
}

export interface DialCandidate {
  readonly number: string;
  /** The callee's zones (an explicit one, or all of the number's). */
  readonly zones: readonly string[];
  readonly windows: readonly LabelledWindow[];
  /** Calls to this number allowed in any 24 hours; null for no cap. */
  readonly dailyCap: number | null;
}

const dayMs = 86_400_000;

/**
 * Judges candidates in order; a number that appears twice counts its earlier `go` against the cap.
 * The do-not-call list wins over everything; then windows; then the cap.
 */
export async function judgeDials(tx: Db, orgId: string, candidates: readonly DialCandidate[], now: Date): Promise<DialVerdict[]> {
  if (candidates.length === 0) return [];
  const numbers = [...new Set(candidates.map((candidate) => candidate.number))];
  const [blocked, recent] = await Promise.all([
    tx.select({ number: doNotCall.number }).from(doNotCall).where(and(eq(doNotCall.orgId, orgId), inArray(doNotCall.number, numbers))),
    tx
      .select({ number: calls.toNumber, n: count(), oldest: min(calls.dialedAt) })
      .from(calls)
      .where(and(eq(calls.orgId, orgId), inArray(calls.toNumber, numbers), gt(calls.dialedAt, new Date(now.getTime() - dayMs))))
      .groupBy(calls.toNumber),
  ]);
  const onList = new Set(blocked.map((row) => row.number));
  const dialled = new Map(recent.map((row) => [row.number, { n: Number(row.n), oldest: row.oldest }]));
  return candidates.map((candidate) => {
    if (onList.has(candidate.number)) return { type: 'refuse', reason: 'do_not_call' };
    // A number in no known zone (a non-geographic or international network number, with no
    // explicit timezone) is read in every zone on earth, not in UTC (which could ring a person
    // at 3 am); a window that is never open everywhere refuses it as `unknown_timezone`.
    const unknown = candidate.zones.length === 0;
    const zones = unknown ? everyOffsetZone : candidate.zones;
    const windows = candidate.windows.map((labelled) => labelled.window);
    const verdict = checkWindows(windows, zones, now);
    if (!verdict.open) {
      if (!verdict.until) return { type: 'refuse', reason: verdict.ended ? 'schedule_ended' : unknown ? 'unknown_timezone' : 'no_calling_window' };
      const closed = candidate.windows.find((labelled) => !checkWindows([labelled.window], zones, now).open);
      return { type: 'hold', until: verdict.until, reason: closed?.reason ?? 'calling_window' };
    }
    const seen = dialled.get(candidate.number) ?? { n: 0, oldest: null };
    if (candidate.dailyCap !== null && seen.n >= candidate.dailyCap) {
      const until = new Date((seen.oldest?.getTime() ?? now.getTime()) + dayMs);
      return { type: 'hold', until: until > now ? until : new Date(now.getTime() + 60_000), reason: 'daily_cap' };
    }
    dialled.set(candidate.number, { n: seen.n + 1, oldest: seen.oldest ?? now });
    return { type: 'go' };
  });
}
