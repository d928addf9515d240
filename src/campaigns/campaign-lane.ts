/**
 * Each running campaign is a lane of the scheduler: its due contacts, oldest due first, within
 * its own concurrency and calls-per-minute caps. A contact picked and allowed by the dial rules
 * becomes an ordinary call (numbered attempt, linked to the contact) in the claim's transaction.
 */
import { and, count, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { agents, calls, campaignContacts, campaigns, phoneNumbers } from '../store/schema.js';
import { newId } from '../shared/ids.js';
import { linkContact } from '../contacts/contact-service.js';
import type { CallService } from '../calls/call-service.js';
import { activeStatuses } from '../calls/call-status.js';
import type { LaneContext, LaneItem, LaneSource, QueueLane } from '../calls/live/call-claim.js';
import { rowsOf } from '../calls/live/call-claim.js';
import { windowOf, type ScheduleInput } from '../dispatch/calling-window.js';
import { numberTimezones } from '../dispatch/number-timezones.js';
import { dailyCapFor, defaultWindowOf } from '../orgs/org-settings.js';
import type { CampaignRow } from './campaign-schema.js';
import { parseAgentSettings } from '../conversation/agent-settings.js';
import { completeIfDoneIn, finishContactIn } from './campaign-progress.js';
import type { OrgEvents } from '../orgs/org-events.js';

const defaultMaxDurationS = 600;
const minuteMs = 60_000;

export function campaignLanes(callService: CallService, events: OrgEvents): LaneSource {
  return {
    async lanes(tx, context) {
      const running = await tx
        .select({ campaign: campaigns, phoneNumberId: phoneNumbers.id, carrier: phoneNumbers.carrier, agentSettings: agents.settings })
        .from(campaigns)
        .innerJoin(phoneNumbers, eq(phoneNumbers.number, campaigns.fromNumber))
        .innerJoin(agents, eq(agents.id, campaigns.agentId))
        .where(and(eq(campaigns.orgId, context.orgId), eq(campaigns.status, 'running')));
      if (running.length === 0) return { lanes: [] };
      // A campaign whose last contacts a rule skipped (no call to end) completes here.
      for (const row of running) await completeIfDoneIn(tx, events, row.campaign.id, context.now);
      const ids = running.map((row) => row.campaign.id);
      const activeBy = new Map<string, number>();
      if (running.some((row) => row.campaign.maxConcurrency !== null)) {
        const active = await tx.select({ id: calls.campaignId, n: count() }).from(calls).where(and(inArray(calls.campaignId, ids), inArray(calls.status, [...activeStatuses]))).groupBy(calls.campaignId);
        for (const row of active) activeBy.set(row.id!, Number(row.n));
      }
      const recentBy = new Map<string, { n: number; oldest: Date | null }>();
      if (running.some((row) => row.campaign.callsPerMinute !== null)) {
        const since = new Date(context.now.getTime() - minuteMs);
        const recent = await tx
          .select({ id: calls.campaignId, n: count(), oldest: sql<string | null>`min(${calls.dialedAt})` })
          .from(calls)
          .where(and(inArray(calls.campaignId, ids), gt(calls.dialedAt, since)))
          .groupBy(calls.campaignId);
        for (const row of recent) recentBy.set(row.id!, { n: Number(row.n), oldest: row.oldest ? new Date(row.oldest) : null });
      }
      let retryAt: Date | null = null;
      const lanes = running.map(({ campaign, phoneNumberId, carrier, agentSettings }): QueueLane => {
        let room = Number.POSITIVE_INFINITY;
        if (campaign.maxConcurrency !== null) room = Math.min(room, campaign.maxConcurrency - (activeBy.get(campaign.id) ?? 0));
        if (campaign.callsPerMinute !== null) {
          const recent = recentBy.get(campaign.id) ?? { n: 0, oldest: null };
          const left = campaign.callsPerMinute - recent.n;
          room = Math.min(room, left);
          if (left <= 0) {
            const reopens = new Date((recent.oldest?.getTime() ?? context.now.getTime()) + minuteMs);
            if (!retryAt || reopens < retryAt) retryAt = reopens;
          }
        }
        const timers = parseAgentSettings(agentSettings).timers ?? {};
        return laneOf(callService, events, context, campaign, { phoneNumberId, carrier, maxDurationS: timers.max_duration_s ?? defaultMaxDurationS }, room);
      });
      return { lanes, retryAt };
    },

    async dueOrganizations(db, now) {
      const rows = await db.execute(sql`
        select distinct k.org_id from ${campaigns} k
        where k.status = 'running' and exists (
          select 1 from ${campaignContacts} c where c.campaign_id = k.id and c.status = 'pending' and c.next_attempt_at <= ${now.toISOString()}::timestamptz)`);
      return rowsOf<{ org_id: string }>(rows).map((row) => row.org_id);
    },

    async nextDueAt(db, now) {
      const rows = await db.execute(sql`
        select min(n.at) as at from ${campaigns} k, lateral (
          select min(c.next_attempt_at) as at from ${campaignContacts} c
          where c.campaign_id = k.id and c.status = 'pending' and c.next_attempt_at > ${now.toISOString()}::timestamptz) n
        where k.status = 'running'`);
      const at = rowsOf<{ at: string | Date | null }>(rows)[0]?.at;
      return at ? new Date(at) : null;
    },
  };
}

interface Caller {
  readonly phoneNumberId: string;
  readonly carrier: string;
  readonly maxDurationS: number;
}

function laneOf(callService: CallService, events: OrgEvents, context: LaneContext, campaign: CampaignRow, caller: Caller, room: number): QueueLane {
  const orgWindow = caller.carrier !== 'sim' ? defaultWindowOf(context.settings) : null;
  const windows = [
    ...(campaign.schedule ? [{ window: windowOf(campaign.schedule as ScheduleInput), reason: 'campaign_schedule' as const }] : []),
    ...(orgWindow ? [{ window: orgWindow, reason: 'calling_window' as const }] : []),
  ];
  return {
    key: campaign.id,
    room,
    async take(tx, limit, now) {
      const contacts = await tx
        .select()
        .from(campaignContacts)
        .where(and(eq(campaignContacts.campaignId, campaign.id), eq(campaignContacts.status, 'pending'), lte(campaignContacts.nextAttemptAt, now)))
        // By due time alone, so the partial index (campaign_id, next_attempt_at) answers with its
        // first rows; contacts due at the same moment (an import) come in the order they were stored.
        .orderBy(campaignContacts.nextAttemptAt)
        .limit(limit)
        .for('update', { skipLocked: true });
      return contacts.map((contact): LaneItem => ({
        number: contact.phone,
        zones: contact.timezone ? [contact.timezone] : numberTimezones(contact.phone),
        windows,
        dailyCap: dailyCapFor(context.settings, caller.carrier),
        async go(db, lease) {
          const attempt = contact.attempts + 1;
          const fields = contact.fields as { first_name?: string; last_name?: string; email?: string };
          const linked = await linkContact(db, contact.orgId, contact.phone, { ...fields, source: 'campaign' });
          const results = await callService.createClaimedIn(db, {
            id: newId('call'),
            orgId: contact.orgId,
            agentId: campaign.agentId,
            phoneNumberId: caller.phoneNumberId,
            toNumber: contact.phone,
            fromNumber: campaign.fromNumber!,
            carrier: caller.carrier,
            variables: { ...campaign.variables, ...contact.variables },
            metadata: { campaign_id: campaign.id, campaign_contact_id: contact.id, attempt },
            maxDurationS: caller.maxDurationS,
            contactId: linked.id,
            campaignId: campaign.id,
            campaignContactId: contact.id,
            attempt,
          }, lease);
          const call = results[0]?.row;
          await db
            .update(campaignContacts)
            .set({ status: 'calling', attempts: attempt, lastCallId: call?.id ?? null, heldReason: null, updatedAt: now })
            .where(eq(campaignContacts.id, contact.id));
          return results;
        },
        async hold(db, until, reason) {
          await db.update(campaignContacts).set({ nextAttemptAt: until, heldReason: reason, updatedAt: now }).where(eq(campaignContacts.id, contact.id));
        },
        async refuse(db, reason) {
          await finishContactIn(db, contact.id, 'skipped', reason, now);
          return [];
        },
      }));
    },
  };
}
