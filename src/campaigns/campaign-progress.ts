/**
 * Files each campaign call's end on its contact, inside the transaction of the call's terminal
 * transition (so a crash never leaves a contact waiting on a call that ended): completed ends
 * the contact; busy, no answer, voicemail and failure schedule the next attempt by the
 * campaign's rule for that reason, or end it once the rule's attempts are spent; a number that
 * landed on the do-not-call list is never tried again. The last contact to finish completes the
 * campaign and raises `campaign.completed`.
 */
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../store/database.js';
import type { CallRow } from '../calls/call-view.js';
import { calls, campaignContacts, campaigns, doNotCall } from '../store/schema.js';
import type { CallEventHook } from '../calls/call-service.js';
import { terminalStatuses, type TerminalStatus } from '../calls/call-status.js';
import type { OrgEvents } from '../orgs/org-events.js';
import type { SchedulerClock } from '../dispatch/scheduler.js';
import { campaignView, retryRuleFor, type RetryReason } from './campaign-schema.js';

const terminalEvents = new Set(terminalStatuses.map((status) => `call.${status}`));

/** The retry rule a call's end falls under, or null when it ends the contact. */
function retryReasonOf(status: TerminalStatus): RetryReason | null {
  switch (status) {
    case 'busy':
    case 'no_answer':
    case 'voicemail':
    case 'failed':
      return status;
    default:
      return null;
  }
}

export function campaignProgressHook(events: OrgEvents, clock: SchedulerClock): CallEventHook {
  return async (tx, rows, eventType) => {
    if (!terminalEvents.has(eventType)) return;
    for (const call of rows) if (call.campaignContactId) await fileEnd(tx, call, clock.now());
  };
}

/** Files one campaign call's end on its contact (see the module's header). */
async function fileEnd(tx: Tx, call: CallRow, now: Date): Promise<void> {
  // FOR SHARE: call ends do not queue behind each other (an exclusive lock made them), but a
  // cancel (which updates the campaign) waits for the ends under way, and an end that starts
  // after it reads `canceled`. Read without a lock, an end could file its contact `pending` for
  // a retry after the cancel had canceled the pending ones: waiting forever on a canceled
  // campaign. Completion is checked after commit (completeIfDone).
  const [campaign] = await tx.select().from(campaigns).where(eq(campaigns.id, call.campaignId!)).for('share');
  const [contact] = await tx.select().from(campaignContacts).where(eq(campaignContacts.id, call.campaignContactId!)).for('update');
  // A dialect's call is filed on its contact just after it is stored (lastCallId still null).
  if (!campaign || !contact || contact.status !== 'calling' || (contact.lastCallId !== call.id && contact.lastCallId !== null)) return;
  const status = call.status as TerminalStatus;
  const reason = retryReasonOf(status);
  const byReason = { ...contact.attemptsByReason };
  if (reason) byReason[reason] = (byReason[reason] ?? 0) + 1;
  const [listed] = await tx.select({ number: doNotCall.number }).from(doNotCall).where(and(eq(doNotCall.orgId, call.orgId), eq(doNotCall.number, call.toNumber)));
  let next: { status: string; result: string | null; at: Date | null };
  if (listed) next = { status: 'done', result: 'do_not_call', at: null };
  else if (campaign.status === 'canceled') next = { status: 'canceled', result: 'canceled', at: null };
  else if (!reason) next = { status: 'done', result: status, at: null };
  else {
    const rule = retryRuleFor(campaign, reason);
    next = byReason[reason]! < rule.max_attempts ? { status: 'pending', result: null, at: new Date(now.getTime() + rule.delay_s * 1000) } : { status: 'done', result: status, at: null };
  }
  await tx
    .update(campaignContacts)
    .set({ status: next.status, result: next.result, nextAttemptAt: next.at, heldReason: null, attemptsByReason: byReason, updatedAt: now })
    .where(eq(campaignContacts.id, contact.id));
}

/** Ends contacts without a call (a rule skipped them); the claim round completes the campaign if they were the last. */
export async function finishContactsIn(tx: Db, contactIds: readonly string[], status: 'skipped' | 'canceled', result: string, now: Date): Promise<void> {
  if (contactIds.length === 0) return;
  await tx.update(campaignContacts).set({ status, result, heldReason: null, nextAttemptAt: null, updatedAt: now }).where(inArray(campaignContacts.id, [...contactIds]));
}

/**
 * Completes a running campaign with nothing left waiting or live, and raises campaign.completed,
 * in one statement's check: run after a campaign call's end has committed and at each claim
 * round, so whichever sees the last contact finished completes it, exactly once.
 */
export async function completeIfDoneIn(tx: Db, events: OrgEvents, campaignId: string, now: Date): Promise<boolean> {
  const [completed] = await tx
    .update(campaigns)
    .set({ status: 'completed', endedAt: now, updatedAt: now })
    .where(
      and(
        eq(campaigns.id, campaignId),
        eq(campaigns.status, 'running'),
        sql`not exists (select 1 from ${campaignContacts} where ${campaignContacts.campaignId} = ${campaignId} and ${campaignContacts.status} in ('pending', 'calling'))`,
      ),
    )
    .returning();
  if (completed) await events.emitIn(tx, { orgId: completed.orgId, type: 'campaign.completed', data: campaignView(completed, await countProgress(tx, campaignId)), at: now });
  return Boolean(completed);
}

/** completeIfDoneIn in a transaction of its own. */
export function completeIfDone(db: Db, events: OrgEvents, campaignId: string, now: Date): Promise<boolean> {
  return db.transaction((tx) => completeIfDoneIn(tx, events, campaignId, now));
}

/**
 * Completion checks after campaign calls end, coalesced per campaign: while one check runs,
 * further ends only ask for one more after it (which sees them all), so 10,000 busy calls
 * ending in a burst cost a handful of checks instead of 10,000 transactions. The last end is
 * always followed by a check that starts after it committed.
 */
export class CompletionChecks {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(private readonly check: (campaignId: string) => Promise<unknown>, private readonly onError: (error: unknown) => void) {}

  /** A call of `campaignId` ended (and committed): check the campaign soon. */
  ended(campaignId: string): void {
    if (this.running.has(campaignId)) {
      this.again.add(campaignId);
      return;
    }
    const run = this.check(campaignId)
      .then(() => undefined, this.onError)
      .finally(() => {
        this.running.delete(campaignId);
        if (this.again.delete(campaignId)) this.ended(campaignId);
      });
    this.running.set(campaignId, run);
  }

  /** Waits for the checks under way (and the ones they asked for). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }
}

/** Where the list stands: pending, live, done by outcome, retries waiting, skipped by rule. */
export async function countProgress(db: Db, campaignId: string): Promise<Record<string, unknown>> {
  const retry = sql<boolean>`${campaignContacts.attempts} > 0`;
  const rows = await db
    .select({ status: campaignContacts.status, result: campaignContacts.result, retry, n: count() })
    .from(campaignContacts)
    .where(eq(campaignContacts.campaignId, campaignId))
    .groupBy(campaignContacts.status, campaignContacts.result, retry);
  const done: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const totals = { total: 0, pending: 0, live: 0, retries_waiting: 0, canceled: 0 };
  for (const row of rows) {
    const n = Number(row.n);
    totals.total += n;
    if (row.status === 'pending') totals[row.retry ? 'retries_waiting' : 'pending'] += n;
    else if (row.status === 'calling') totals.live += n;
    else if (row.status === 'canceled') totals.canceled += n;
    else {
      const into = row.status === 'skipped' ? skipped : done;
      into[row.result ?? 'unknown'] = (into[row.result ?? 'unknown'] ?? 0) + n;
    }
  }
  const [attempts] = await db.select({ n: count() }).from(calls).where(eq(calls.campaignId, campaignId));
  return { ...totals, done, skipped, calls: Number(attempts?.n ?? 0) };
}
