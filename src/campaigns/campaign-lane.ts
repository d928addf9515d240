/**
 * Each running campaign is a lane of the scheduler: its due contacts, oldest due first, within
 * its own concurrency and calls-per-minute caps. A contact picked and allowed by the dial rules
 * becomes an ordinary call (numbered attempt, linked to the contact) in the claim's transaction.
 */
import { and, count, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Tx } from '../store/database.js';
import { agents, calls, campaignContacts, campaigns, phoneNumbers } from '../store/schema.js';
import { newId } from '../shared/ids.js';
import { linkContactsIn } from '../contacts/contact-service.js';
import type { CallService, TransitionResult } from '../calls/call-service.js';
import { activeStatuses } from '../calls/call-status.js';
import { createClaimedIn, rowsOf, type Lease } from '../calls/call-batches.js';
import type { LaneContext, LaneItem, LaneSource, QueueLane } from '../calls/live/call-claim.js';
import { windowOf, type ScheduleInput } from '../dispatch/calling-window.js';
import type { LabelledWindow } from '../dispatch/dial-rules.js';
import { numberTimezones } from '../dispatch/number-timezones.js';
import { dailyCapFor, defaultWindowFor, type OrgSettings } from '../orgs/org-settings.js';
import type { CampaignContactRow, CampaignRow } from './campaign-schema.js';
import { parseAgentSettings } from '../conversation/agent-settings.js';
import { completeIfDoneIn, finishContactsIn } from './campaign-progress.js';
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
  const windows = campaignWindows(campaign, context.settings, context.simulated(caller.carrier));
  const dailyCap = dailyCapFor(context.settings, context.simulated(caller.carrier));
  const taken = new Map<string, CampaignContactRow>();
  let exhausted = false;
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
      exhausted = contacts.length < limit;
      return contacts.map((contact): LaneItem => {
        taken.set(contact.id, contact);
        return { id: contact.id, number: contact.phone, zones: contact.timezone ? [contact.timezone] : numberTimezones(contact.phone), windows, dailyCap };
      });
    },
    async settle(tx, verdicts, lease, now) {
      const results = await dialContacts(tx, callService, campaign, caller, verdicts.go.map((id) => taken.get(id)!), lease, now);
      if (verdicts.hold.length > 0) {
        const holds = verdicts.hold.map((hold) => ({ id: hold.id, at: hold.until.toISOString(), reason: hold.reason }));
        await tx.execute(sql`
          update ${campaignContacts} c set next_attempt_at = h.at, held_reason = h.reason, updated_at = ${now.toISOString()}::timestamptz
          from jsonb_to_recordset(${JSON.stringify(holds)}::jsonb) as h(id text, at timestamptz, reason text)
          where c.id = h.id`);
      }
      for (const reason of new Set(verdicts.refuse.map((refusal) => refusal.reason))) {
        await finishContactsIn(tx, verdicts.refuse.filter((refusal) => refusal.reason === reason).map((refusal) => refusal.id), 'skipped', reason, now);
      }
      // Nothing more is due now: if nothing waits or is live either (the last contacts were
      // skipped by a rule, so no call's end will), the campaign completes here.
      if (exhausted && verdicts.go.length === 0) await completeIfDoneIn(tx, events, campaign.id, now);
      return results;
    },
  };
}

/**
 * Each contact becomes its next attempt's call, in four statements for the whole batch: the
 * contacts upserted, the calls stored leased (with their events and hooks), the campaign
 * contacts marked as calling.
 */
async function dialContacts(tx: Tx, callService: CallService, campaign: CampaignRow, caller: Caller, contacts: readonly CampaignContactRow[], lease: Lease, now: Date): Promise<TransitionResult[]> {
  if (contacts.length === 0) return [];
  const fieldsOf = (contact: CampaignContactRow) => contact.fields as { first_name?: string; last_name?: string; email?: string };
  const linked = await linkContactsIn(tx, campaign.orgId, contacts.map((contact) => ({ phone: contact.phone, fields: { ...fieldsOf(contact), source: 'campaign' } })));
  const attempts = contacts.map((contact) => ({ contact, callId: newId('call'), attempt: contact.attempts + 1 }));
  const results = await createClaimedIn(callService, tx, attempts.map(({ contact, callId, attempt }) => ({
    id: callId,
    orgId: contact.orgId,
    agentId: campaign.agentId,
    phoneNumberId: caller.phoneNumberId,
    toNumber: contact.phone,
    fromNumber: campaign.fromNumber!,
    carrier: caller.carrier,
    variables: { ...campaign.variables, ...contact.variables },
    metadata: { campaign_id: campaign.id, campaign_contact_id: contact.id, attempt },
    maxDurationS: caller.maxDurationS,
    contactId: linked.get(contact.phone) ?? null,
    campaignId: campaign.id,
    campaignContactId: contact.id,
    attempt,
  })), lease);
  const calling = attempts.map(({ contact, callId, attempt }) => ({ id: contact.id, call_id: callId, attempts: attempt }));
  await tx.execute(sql`
    update ${campaignContacts} c set status = 'calling', attempts = r.attempts, last_call_id = r.call_id, held_reason = null, updated_at = ${now.toISOString()}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(calling)}::jsonb) as r(id text, call_id text, attempts integer)
    where c.id = r.id`);
  return results;
}

/** The windows a campaign's calls keep to: its schedule, and on a real carrier the organisation's default. */
export function campaignWindows(campaign: CampaignRow, settings: OrgSettings, simulated: boolean): LabelledWindow[] {
  const orgWindow = defaultWindowFor(settings, simulated);
  return [
    ...(campaign.schedule ? [{ window: windowOf(campaign.schedule as ScheduleInput), reason: 'campaign_schedule' as const }] : []),
    ...(orgWindow ? [{ window: orgWindow, reason: 'calling_window' as const }] : []),
  ];
}
