/**
 * The two tables the event feed reads, as one id-ordered list: `call_events` (with the campaign of
 * the event's call) and `org_events`. Both take ids from one sequence.
 */
import { and, asc, eq, gt, inArray, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../store/database.js';
import { callEvents, calls, orgEvents } from '../store/schema.js';

/** One row of either table. */
export interface FeedEntry {
  readonly id: number;
  readonly orgId: string;
  readonly type: string;
  readonly callId: string | null;
  readonly campaignId: string | null;
  readonly data: Record<string, unknown>;
  readonly createdAt: Date;
}

export interface EntryFilter {
  /** Every organisation when absent (the feed's shared read). */
  readonly orgId?: string;
  /** Ids above this one... */
  readonly after: number;
  /** ...and these (ids skipped earlier that may have committed since). */
  readonly alsoIds?: readonly number[];
  readonly callId?: string | undefined;
  readonly campaignId?: string | undefined;
}

function idsWanted(column: PgColumn, filter: EntryFilter): SQL | undefined {
  const after = gt(column, filter.after);
  return filter.alsoIds?.length ? or(after, inArray(column, [...filter.alsoIds])) : after;
}

/**
 * Up to `limit` entries in id order. `full` says more may follow: when a table filled its share,
 * entries of the other table past that table's last id are held back for the next read, so
 * nothing is skipped over.
 */
export async function readEntries(db: Db, filter: EntryFilter, limit: number): Promise<{ entries: FeedEntry[]; full: boolean }> {
  const fromCalls = await db
    .select({
      id: callEvents.id,
      orgId: callEvents.orgId,
      type: callEvents.type,
      callId: callEvents.callId,
      campaignId: calls.campaignId,
      data: callEvents.data,
      createdAt: callEvents.createdAt,
    })
    .from(callEvents)
    .innerJoin(calls, eq(calls.id, callEvents.callId))
    .where(
      and(
        filter.orgId ? eq(callEvents.orgId, filter.orgId) : undefined,
        idsWanted(callEvents.id, filter),
        filter.callId ? eq(callEvents.callId, filter.callId) : undefined,
        filter.campaignId ? eq(calls.campaignId, filter.campaignId) : undefined,
      ),
    )
    .orderBy(asc(callEvents.id))
    .limit(limit);
  // An organisation event belongs to no call.
  const fromOrg = filter.callId
    ? []
    : (
        await db
          .select()
          .from(orgEvents)
          .where(
            and(
              filter.orgId ? eq(orgEvents.orgId, filter.orgId) : undefined,
              idsWanted(orgEvents.id, filter),
              filter.campaignId ? eq(orgEvents.campaignId, filter.campaignId) : undefined,
            ),
          )
          .orderBy(asc(orgEvents.id))
          .limit(limit)
      ).map((row) => ({ ...row, callId: null }));

  let cutoff = Number.POSITIVE_INFINITY;
  for (const batch of [fromCalls, fromOrg]) if (batch.length === limit) cutoff = Math.min(cutoff, batch[batch.length - 1]!.id);
  const entries = [...fromCalls, ...fromOrg].filter((entry) => entry.id <= cutoff).sort((a, b) => a.id - b.id);
  return { entries, full: cutoff !== Number.POSITIVE_INFINITY };
}
