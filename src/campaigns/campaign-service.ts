/**
 * Campaigns: a list of contacts called by one agent inside a calling window, at a pace, with
 * retries by reason. Contacts wait in `campaign_contacts`; the scheduler's campaign lane makes
 * each attempt an ordinary call when it may be dialled (see campaign-lane.ts), and the
 * progress hook files every call's end back on its contact (campaign-progress.ts).
 */
import { and, asc, count, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { calls, campaignContacts, campaigns } from '../store/schema.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { afterCursor, toPage, type Page } from '../shared/pagination.js';
import type { OrgEvents } from '../orgs/org-events.js';
import type { CallService } from '../calls/call-service.js';
import { activeStatuses } from '../calls/call-status.js';
import { parseCsv } from '../shared/csv.js';
import { KeyedLock } from '../shared/keyed-lock.js';
import type { LabelledWindow } from '../dispatch/dial-rules.js';
import type { SchedulerClock } from '../dispatch/scheduler.js';
import { readOrgSettings } from '../orgs/org-settings.js';
import { campaignWindows } from './campaign-lane.js';
import { campaignView, type AttemptView, type CampaignContactRow, type CampaignRow, type CampaignStatus, type CreateCampaignInput, type UpdateCampaignInput } from './campaign-schema.js';
import { countProgress } from './campaign-progress.js';
import { importContacts, type ContactEntry, type ImportResult } from './contact-import.js';

/** Places a dialect call, linked to its campaign contact and attempt when given one. */
type PlaceFiled<T> = (link?: { campaignId: string; contactId: string; attempt: number }) => Promise<T>;

export interface CampaignServiceOptions {
  readonly db: Db;
  readonly calls: CallService;
  readonly events: OrgEvents;
  readonly clock: SchedulerClock;
  /** Something changed in the organisation's queue (a start, a resume, new contacts). */
  readonly wake: (orgId: string) => void;
  /** Whether a carrier is a simulated network (the carrier registry answers; no id is named). */
  readonly simulated: (carrier: string) => boolean;
}

/** The event each move raises, sent as a webhook and streamed by GET /v1/events. */
const movedEvents = { start: 'campaign.started', pause: 'campaign.paused', resume: 'campaign.resumed', cancel: 'campaign.canceled' } as const;

export class CampaignService {
  /** Dialect calls filed under a campaign, one at a time per contact. */
  private readonly filing = new KeyedLock();

  constructor(private readonly options: CampaignServiceOptions) {}

  private get db(): Db {
    return this.options.db;
  }

  async create(orgId: string, input: CreateCampaignInput): Promise<CampaignRow> {
    const { caller } = await this.options.calls.resolveTarget(orgId, input.agent_id, input.from);
    const [row] = await this.db
      .insert(campaigns)
      .values({
        id: newId('campaign'),
        orgId,
        name: input.name,
        agentId: input.agent_id,
        fromNumber: caller.number,
        schedule: (input.schedule ?? null) as Record<string, unknown> | null,
        maxConcurrency: input.max_concurrency ?? null,
        callsPerMinute: input.calls_per_minute ?? null,
        retry: input.retry ?? {},
        variables: input.variables ?? {},
        metadata: input.metadata ?? {},
      })
      .returning();
    return row!;
  }

  async get(orgId: string, id: string): Promise<CampaignRow> {
    const row = await this.db.query.campaigns.findFirst({ where: and(eq(campaigns.id, id), eq(campaigns.orgId, orgId)) });
    if (!row) throw new AppError('CAMPAIGN_NOT_FOUND', undefined, { details: { campaign_id: id } });
    return row;
  }

  /** A campaign by id, or by its exact name (how a dialect's campaign_id may name it). */
  async find(orgId: string, ref: string): Promise<CampaignRow | undefined> {
    return (
      (await this.db.query.campaigns.findFirst({ where: and(eq(campaigns.id, ref), eq(campaigns.orgId, orgId)) })) ??
      (await this.db.query.campaigns.findFirst({ where: and(eq(campaigns.name, ref), eq(campaigns.orgId, orgId)), orderBy: desc(campaigns.createdAt) }))
    );
  }

  async list(orgId: string, page: { limit: number; cursor?: string | undefined }): Promise<Page<CampaignRow>> {
    const rows = await this.db
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.orgId, orgId), afterCursor(campaigns, page.cursor)))
      .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }

  async update(orgId: string, id: string, change: UpdateCampaignInput): Promise<CampaignRow> {
    const current = await this.get(orgId, id);
    if (current.status === 'completed' || current.status === 'canceled') this.conflict(current, 'update');
    const fromNumber = change.from !== undefined ? (await this.options.calls.resolveTarget(orgId, current.agentId, change.from)).caller.number : undefined;
    const [row] = await this.db
      .update(campaigns)
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(fromNumber !== undefined ? { fromNumber } : {}),
        ...(change.schedule !== undefined ? { schedule: (change.schedule ?? null) as Record<string, unknown> | null } : {}),
        ...(change.max_concurrency !== undefined ? { maxConcurrency: change.max_concurrency ?? null } : {}),
        ...(change.calls_per_minute !== undefined ? { callsPerMinute: change.calls_per_minute ?? null } : {}),
        ...(change.retry !== undefined ? { retry: change.retry } : {}),
        ...(change.variables !== undefined ? { variables: change.variables } : {}),
        ...(change.metadata !== undefined ? { metadata: change.metadata } : {}),
        updatedAt: new Date(),
      })
      .where(eq(campaigns.id, id))
      .returning();
    this.options.wake(orgId);
    return row!;
  }

  /** Deletes a campaign that is not running, with its contact list; its calls stay. */
  async remove(orgId: string, id: string): Promise<void> {
    const current = await this.get(orgId, id);
    if (current.status === 'running' || current.status === 'paused') this.conflict(current, 'delete (cancel it first)');
    await this.db.transaction(async (tx) => {
      await tx.delete(campaignContacts).where(eq(campaignContacts.campaignId, id));
      await tx.delete(campaigns).where(eq(campaigns.id, id));
    });
  }

  async addContacts(orgId: string, id: string, entries: readonly ContactEntry[]): Promise<ImportResult> {
    const campaign = await this.get(orgId, id);
    if (campaign.status === 'completed' || campaign.status === 'canceled') this.conflict(campaign, 'take contacts');
    const { agent, caller } = await this.options.calls.resolveTarget(orgId, campaign.agentId, campaign.fromNumber);
    const windows = await this.windowsFor(orgId, campaign, caller.carrier);
    const result = await importContacts(this.db, {
      campaign,
      windows,
      now: this.options.clock.now(),
      missingVariables: (variables) => this.options.calls.missingVariables(agent, variables),
    }, entries);
    if (campaign.status === 'running') this.options.wake(orgId);
    return result;
  }

  async addContactsCsv(orgId: string, id: string, text: string): Promise<ImportResult> {
    await this.get(orgId, id);
    const { rows, errors } = await parseCsv(text, { phoneColumns: ['phone', 'phone_number', 'number'] });
    const entries = rows.map((row) => {
      const { timezone, ...values } = row.values;
      return { line: row.line, input: { phone: row.phone, ...(timezone ? { timezone } : {}), ...values } };
    });
    const result = await this.addContacts(orgId, id, entries);
    return { imported: result.imported, errors: [...errors, ...result.errors].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) };
  }

  /** The windows a campaign's calls keep to: its schedule, and on a real carrier the organisation's default. */
  async windowsFor(orgId: string, campaign: CampaignRow, carrier: string): Promise<LabelledWindow[]> {
    return campaignWindows(campaign, await readOrgSettings(this.db, orgId), this.options.simulated(carrier));
  }

  async start(orgId: string, id: string): Promise<CampaignRow> {
    const campaign = await this.get(orgId, id);
    if (campaign.status !== 'draft') this.conflict(campaign, 'start (resume a paused one)');
    await this.options.calls.resolveTarget(orgId, campaign.agentId, campaign.fromNumber);
    const [contacts] = await this.db.select({ n: count() }).from(campaignContacts).where(eq(campaignContacts.campaignId, id));
    if (Number(contacts?.n ?? 0) === 0) throw new AppError('CAMPAIGN_EMPTY', 'Add contacts (POST /v1/campaigns/{id}/contacts) before starting', { details: { campaign_id: id } });
    return this.move(orgId, id, ['draft'], 'running', 'start', true);
  }

  pause(orgId: string, id: string): Promise<CampaignRow> {
    return this.move(orgId, id, ['running'], 'paused', 'pause', false);
  }

  resume(orgId: string, id: string): Promise<CampaignRow> {
    return this.move(orgId, id, ['paused'], 'running', 'resume', false);
  }

  /** Cancels: contacts still waiting are canceled, calls under way are hung up. */
  async cancel(orgId: string, id: string): Promise<CampaignRow> {
    const row = await this.move(orgId, id, ['draft', 'running', 'paused'], 'canceled', 'cancel', false, async (tx) => {
      await tx.update(campaignContacts).set({ status: 'canceled', result: 'canceled', updatedAt: new Date() }).where(and(eq(campaignContacts.campaignId, id), eq(campaignContacts.status, 'pending')));
    });
    const live = await this.db.select({ id: calls.id }).from(calls).where(and(eq(calls.campaignId, id), inArray(calls.status, ['queued', ...activeStatuses])));
    for (const call of live) await this.options.calls.requestCancel(orgId, call.id).catch(() => undefined);
    return row;
  }

  private async move(orgId: string, id: string, from: CampaignStatus[], to: CampaignStatus, action: keyof typeof movedEvents, started: boolean, extra?: (tx: Db) => Promise<void>): Promise<CampaignRow> {
    const now = this.options.clock.now();
    const row = await this.db.transaction(async (tx) => {
      const [moved] = await tx
        .update(campaigns)
        .set({ status: to, updatedAt: now, ...(started ? { startedAt: now } : {}), ...(to === 'canceled' ? { endedAt: now } : {}) })
        .where(and(eq(campaigns.id, id), eq(campaigns.orgId, orgId), inArray(campaigns.status, from)))
        .returning();
      if (!moved) return null;
      await extra?.(tx);
      await this.options.events.emitIn(tx, { orgId, type: movedEvents[action], data: campaignView(moved), at: now });
      return moved;
    });
    if (!row) this.conflict(await this.get(orgId, id), action);
    this.options.wake(orgId);
    return row;
  }

  private conflict(campaign: CampaignRow, action: string): never {
    throw new AppError('CAMPAIGN_STATE_CONFLICT', `A ${campaign.status} campaign cannot ${action}`, { details: { status: campaign.status } });
  }

  /**
   * Files a call placed through a dialect (HappyRobot's campaign_id) under a campaign: its
   * number becomes (or is again) a contact of the campaign, being called; the call is its next
   * attempt. `place` stores the call; when it is refused the contact is put back as it was.
   */
  async fileCall<T extends { call: { id: string }; created: boolean }>(orgId: string, campaign: CampaignRow, phone: string, place: PlaceFiled<T>, idempotencyKey?: string): Promise<T> {
    // One request per contact at a time in this process: a client's retry racing its first try
    // would otherwise bump the contact twice, and the loser trip over the winner's call.
    return this.filing.run(`${campaign.id} ${phone}`, () => this.fileCallNow(orgId, campaign, phone, place, idempotencyKey));
  }

  private async fileCallNow<T extends { call: { id: string }; created: boolean }>(orgId: string, campaign: CampaignRow, phone: string, place: PlaceFiled<T>, idempotencyKey?: string): Promise<T> {
    // A replay (same Idempotency-Key) answers the call already placed and counts no attempt.
    const replayed = idempotencyKey ? await this.replay(orgId, idempotencyKey, place) : undefined;
    if (replayed) return replayed;
    if (campaign.status === 'canceled') this.conflict(campaign, 'take calls');
    // The contact is marked as being called (so the campaign's own lane does not dial it too), the
    // call is stored, and only a call this request created counts as an attempt. A twin request
    // in another process computes the same contact and attempt, so its call is a replay of this
    // one (or this one of its), never a second attempt.
    const contact = await this.contactToCall(orgId, campaign.id, phone);
    const attempt = contact.before ? contact.before.attempts + 1 : 1;
    let placed: T;
    try {
      placed = await place({ campaignId: campaign.id, contactId: contact.id, attempt });
    } catch (error) {
      await this.putBack(contact);
      // A twin stored this key's call first, after this contact had already counted it: answer with that call.
      if (idempotencyKey && error instanceof AppError && error.code === 'IDEMPOTENCY_KEY_REUSED') {
        const first = await this.replay(orgId, idempotencyKey, place);
        if (first) return first;
      }
      throw error;
    }
    if (placed.created) {
      await this.db
        .update(campaignContacts)
        .set({ attempts: attempt, lastCallId: placed.call.id, updatedAt: this.options.clock.now() })
        .where(and(eq(campaignContacts.id, contact.id), sql`${campaignContacts.attempts} < ${attempt}`));
    }
    return placed;
  }

  /** The campaign's contact for `phone`, marked as being called; added (with no attempt yet) when new. */
  private async contactToCall(orgId: string, campaignId: string, phone: string): Promise<{ id: string; before: CampaignContactRow | null }> {
    const now = this.options.clock.now();
    const [before] = await this.db.select().from(campaignContacts).where(and(eq(campaignContacts.campaignId, campaignId), eq(campaignContacts.phone, phone)));
    if (before) {
      // lastCallId cleared: the new call's end may be filed before this request links it.
      await this.db.update(campaignContacts).set({ status: 'calling', lastCallId: null, updatedAt: now }).where(eq(campaignContacts.id, before.id));
      return { id: before.id, before };
    }
    const [last] = await this.db.select({ seq: sql<number | null>`max(${campaignContacts.seq})` }).from(campaignContacts).where(eq(campaignContacts.campaignId, campaignId));
    const [inserted] = await this.db
      .insert(campaignContacts)
      .values({ id: newId('ccontact'), campaignId, orgId, seq: Number(last?.seq ?? 0) + 1, phone, status: 'calling', attempts: 0, fields: { source: 'dialect' } })
      .onConflictDoNothing({ target: [campaignContacts.campaignId, campaignContacts.phone] })
      .returning({ id: campaignContacts.id });
    // Another process added the number a moment ago: call that contact.
    return inserted ? { id: inserted.id, before: null } : this.contactToCall(orgId, campaignId, phone);
  }

  /** A call that was refused leaves the contact as it was, if nothing else moved it since. */
  private async putBack(contact: { id: string; before: CampaignContactRow | null }): Promise<void> {
    const { id, before } = contact;
    if (!before) {
      await this.db.delete(campaignContacts).where(and(eq(campaignContacts.id, id), eq(campaignContacts.attempts, 0), isNull(campaignContacts.lastCallId)));
      return;
    }
    const unmoved = and(eq(campaignContacts.id, id), eq(campaignContacts.status, 'calling'), eq(campaignContacts.attempts, before.attempts), isNull(campaignContacts.lastCallId));
    await this.db.update(campaignContacts).set({ status: before.status, lastCallId: before.lastCallId }).where(unmoved);
  }

  /** The call already placed with this Idempotency-Key, placed again exactly as it was filed (so its request matches). */
  private async replay<T>(orgId: string, idempotencyKey: string, place: PlaceFiled<T>): Promise<T | undefined> {
    const [placed] = await this.db
      .select({ campaignId: calls.campaignId, contactId: calls.campaignContactId, attempt: calls.attempt })
      .from(calls)
      .where(and(eq(calls.orgId, orgId), eq(calls.idempotencyKey, idempotencyKey)));
    if (!placed) return undefined;
    return place(placed.campaignId && placed.contactId && placed.attempt !== null ? { campaignId: placed.campaignId, contactId: placed.contactId, attempt: placed.attempt } : undefined);
  }

  /** Where the list stands: pending, live, done by outcome, retries waiting, skipped by rule. */
  progress(id: string): Promise<Record<string, unknown>> {
    return countProgress(this.db, id);
  }

  async contacts(orgId: string, id: string, page: { limit: number; cursor?: string | undefined; status?: string | undefined }) {
    await this.get(orgId, id);
    const after = page.cursor ? Number.parseInt(page.cursor, 10) : 0;
    const rows = await this.db
      .select()
      .from(campaignContacts)
      .where(and(eq(campaignContacts.campaignId, id), gt(campaignContacts.seq, Number.isFinite(after) ? after : 0), page.status ? eq(campaignContacts.status, page.status) : undefined))
      .orderBy(asc(campaignContacts.seq))
      .limit(page.limit + 1);
    const data = rows.slice(0, page.limit);
    const attempts = await this.attemptsOf(data);
    return { data: data.map((row) => ({ row, attempts: attempts.get(row.id) ?? [] })), nextCursor: rows.length > page.limit ? String(data[data.length - 1]!.seq) : null };
  }

  private async attemptsOf(rows: readonly CampaignContactRow[]): Promise<Map<string, AttemptView[]>> {
    const byContact = new Map<string, AttemptView[]>();
    if (rows.length === 0) return byContact;
    const found = await this.db
      .select({ id: calls.id, contactId: calls.campaignContactId, attempt: calls.attempt, status: calls.status, endReason: calls.endReason, dialedAt: calls.dialedAt, endedAt: calls.endedAt })
      .from(calls)
      .where(inArray(calls.campaignContactId, rows.map((row) => row.id)))
      .orderBy(asc(calls.attempt), asc(calls.createdAt));
    for (const call of found) {
      const list = byContact.get(call.contactId!) ?? [];
      list.push({ call_id: call.id, attempt: call.attempt, status: call.status, end_reason: call.endReason, dialed_at: call.dialedAt?.toISOString() ?? null, ended_at: call.endedAt?.toISOString() ?? null });
      byContact.set(call.contactId!, list);
    }
    return byContact;
  }
}
