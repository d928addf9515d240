/** Calls: create with validation and idempotency, read, list, cancel; every status change goes through `transition`. */
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, isNull, lte, notInArray, or, sql } from 'drizzle-orm';
import type { Db, Tx } from '../store/database.js';
import type { Logger } from '../shared/logger.js';
import { callEvents, calls } from '../store/schema.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { toE164 } from '../shared/phone.js';
import { afterCursor, toPage, type Page } from '../shared/pagination.js';
import { missingVariables } from '../brain/template.js';
import type { ConversationTurn, VariableValue } from '../brain/types.js';
import type { AgentRow, AgentService } from '../agents/agent-service.js';
import type { PhoneNumberService } from '../numbers/phone-number-service.js';
import { canTransition, isTerminal, predecessorsOf, terminalStatuses, type CallStatus } from './call-status.js';
import type { CallRow } from './call-view.js';
import { recordingSettingsOf } from './call-recordings.js';
import { linkContact, type ContactFields } from '../contacts/contact-service.js';

export const maxVariables = 25;
const defaultMaxDurationS = 600;
/** A call may be scheduled at most this far ahead (366 days, so "same day next year" passes). */
export const maxScheduleAheadMs = 366 * 24 * 3600 * 1000;
/**
 * How far in the past a `scheduled_for` may be and still mean "now": a client whose clock runs
 * behind, a request retried a few minutes late. Further back is a mistake, refused.
 */
export const pastScheduleToleranceMs = 15 * 60 * 1000;

/**
 * A call on a line that is not a phone number (the dashboard's web call): no caller number is
 * looked up and no contact is linked; `to` and `from` are stored as given (e.g. `web`). It has no
 * due time, so no scheduler claims it: the process holding the line does (`claimDirectCall`).
 */
export interface DirectLine {
  readonly carrier: string;
  readonly to: string;
  readonly from: string;
}

export interface CreateCallInput {
  readonly agent_id: string;
  readonly to: string;
  readonly from?: string | null | undefined;
  readonly variables?: Record<string, VariableValue> | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
  readonly scheduled_for?: string | Date | null | undefined;
  readonly max_duration_s?: number | null | undefined;
  readonly webhook_url?: string | null | undefined;
  /** Headers for this call's own webhooks (e.g. Authorization), kept sealed. */
  readonly webhook_headers?: Record<string, string> | undefined;
  /** Fields for the contact the call links to (created on its first call). */
  readonly contact?: ContactFields | undefined;
  /** Files the call under a campaign contact (a dialect's campaign_id), as its attempt number `attempt`. */
  readonly campaign?: { readonly campaignId: string; readonly contactId: string; readonly attempt: number } | undefined;
  /** The only numbers this call may be transferred to (E.164), instead of the agent's. */
  readonly transfer_numbers?: readonly string[] | undefined;
  /** Overrides the agent's recording setting for this call. */
  readonly recording?: { readonly enabled?: boolean | undefined; readonly disclosure?: string | null | undefined } | undefined;
}

/**
 * Runs inside the transaction that records a call event, so whatever it writes (webhook
 * deliveries) commits or rolls back with the event itself: no event is ever lost to a crash.
 * It hears one event type for one or more calls of one organisation at once (a claim round
 * records hundreds of `call.dialing` events together), so it can do its work in a few statements.
 */
export type CallEventHook = (tx: Tx, calls: readonly CallRow[], eventType: string) => Promise<void>;

/** What a call would be placed with: its agent, and the carrier of the number it calls from. */
export interface CallCreateTarget {
  readonly agent: AgentRow;
  readonly carrier: string;
}

/** Runs before a call is stored; throws an AppError (4xx) to refuse it. */
export type CallCreateCheck = (input: CreateCallInput, target: CallCreateTarget) => Promise<void>;

export interface CreatedCall {
  readonly call: CallRow;
  readonly created: boolean;
  readonly contact?: { readonly id: string; readonly created: boolean };
}

/** What a campaign attempt's call row is made of (the rest takes the columns' defaults). */
export type ClaimedCallValues = Pick<
  typeof calls.$inferInsert,
  'id' | 'orgId' | 'agentId' | 'phoneNumberId' | 'toNumber' | 'fromNumber' | 'carrier' | 'variables' | 'metadata' | 'maxDurationS' | 'contactId' | 'campaignId' | 'campaignContactId' | 'attempt'
>;

export interface CallFilter {
  readonly status?: readonly CallStatus[] | undefined;
  readonly agentId?: string | undefined;
  readonly contactId?: string | undefined;
  /** Matches either end of the call. */
  readonly number?: string | undefined;
  readonly createdAfter?: Date | undefined;
  readonly createdBefore?: Date | undefined;
}

export interface TransitionFields {
  readonly endReason?: string;
  readonly providerCallId?: string;
  readonly answeredBy?: string;
  /** When the callee answered, if not now (a verdict on who answered came first). */
  readonly answeredAt?: Date;
  /** The answering-machine verdict, stored with the status it comes with (so its webhook carries it). */
  readonly amd?: Record<string, unknown>;
  readonly leaseOwner?: string | null;
  readonly leaseExpiresAt?: Date | null;
  readonly eventData?: Record<string, unknown>;
}

export interface TransitionResult {
  readonly row: CallRow;
  readonly from: CallStatus;
}

export type TransitionListener = (call: CallRow, from: CallStatus) => void;

/** What the call service asks of the server's capabilities before it accepts a call. */
export interface CallPolicy {
  /** Which carriers this server can dial through; a call on another is refused. */
  carrierAvailable(carrier: string): boolean;
  /** Placeholders the agent's texts need beyond its prompt and greeting (a flow's texts). */
  requiredVariables?(agent: AgentRow): string[];
  /** Throws (e.g. LLM_NOT_CONFIGURED) when the agent cannot hold a conversation on this server. */
  assertReady?(agent: AgentRow): void;
}

/** Where a stored call goes to be dialled (the schedulers, which claim calls from their rows). */
export interface CallQueue {
  enqueue(call: CallRow): Promise<void>;
}

export class CallService {
  private readonly listeners: TransitionListener[] = [];
  private readonly eventHooks: CallEventHook[] = [];
  private readonly createChecks: CallCreateCheck[] = [];

  constructor(
    private readonly db: Db,
    private readonly agents: AgentService,
    private readonly numbers: PhoneNumberService,
    private readonly policy: CallPolicy,
    private readonly queue: CallQueue,
    private readonly seal: (plain: string) => string = () => {
      throw new Error('no secret box configured');
    },
    private readonly log?: Logger,
  ) {}

  /**
   * Places a call: stores it (see `create`) and, once that has committed, hands it to the dial
   * queue. Every route and dialect places calls through here. A failed enqueue loses nothing:
   * the call is stored queued and the schedulers' sweep finds it.
   */
  async place(orgId: string, input: CreateCallInput, idempotencyKey?: string): Promise<CreatedCall> {
    const placed = await this.create(orgId, input, idempotencyKey);
    if (placed.created) {
      try {
        await this.queue.enqueue(placed.call);
      } catch (error) {
        this.log?.warn({ err: error, callId: placed.call.id }, 'enqueue failed; the scheduler\'s sweep finds the call');
      }
    }
    return placed;
  }

  /** Called after every committed status change (webhooks, the live-call registry). */
  onTransition(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  /** Registers a hook run inside every event's transaction (see CallEventHook). */
  addEventHook(hook: CallEventHook): void {
    this.eventHooks.push(hook);
  }

  /** Registers a check every new call must pass (a capability's own rules, e.g. webhook URL safety). */
  addCreateCheck(check: CallCreateCheck): void {
    this.createChecks.push(check);
  }

  /** Runs the event hooks for `eventType` over `rows`, in the caller's transaction (see CallEventHook). */
  async runHooksIn(tx: Tx, rows: readonly CallRow[], eventType: string): Promise<void> {
    if (rows.length === 0) return;
    for (const hook of this.eventHooks) await hook(tx, rows, eventType);
  }

  /**
   * Validates and stores a queued call, without enqueueing it (`place` does both). With an idempotency key the same key returns the same
   * call (`created: false`), whatever the concurrency; a different request under it is refused.
   */
  async create(orgId: string, input: CreateCallInput, idempotencyKey?: string, direct?: DirectLine): Promise<CreatedCall> {
    const to = direct ? direct.to : toE164(input.to);
    if (!to) throw new AppError('INVALID_PHONE_NUMBER', '"to" must be a valid phone number in E.164 form, like +14155550100', { details: { field: 'to' } });
    const variables = input.variables ?? {};
    const variableCount = Object.keys(variables).length;
    if (variableCount > maxVariables) {
      throw new AppError('VARIABLES_TOO_MANY', `"variables" holds ${variableCount} keys; at most ${maxVariables} are allowed`, { details: { field: 'variables', max: maxVariables } });
    }
    const agent = await this.agents.get(orgId, input.agent_id);
    const missing = this.missingVariables(agent, variables, input.recording);
    if (missing.length > 0) {
      throw new AppError('VARIABLES_MISSING', `"variables" lacks values the agent needs: ${missing.join(', ')}`, { details: { field: 'variables', missing } });
    }
    this.policy.assertReady?.(agent);
    const caller = direct ? { id: null, number: direct.from, carrier: direct.carrier } : await this.resolveCaller(orgId, agent.id, input.from);
    if (!this.policy.carrierAvailable(caller.carrier)) {
      throw new AppError('CARRIER_NOT_CONFIGURED', `The number's carrier "${caller.carrier}" is not configured on this server`, { details: { carrier: caller.carrier } });
    }
    const scheduledFor = input.scheduled_for ? new Date(input.scheduled_for) : null;
    if (scheduledFor && Number.isNaN(scheduledFor.getTime())) {
      throw new AppError('VALIDATION_FAILED', '"scheduled_for" must be an ISO 8601 date-time', { details: { field: 'scheduled_for' } });
    }
    if (scheduledFor && scheduledFor.getTime() < Date.now() - pastScheduleToleranceMs) {
      throw new AppError('SCHEDULE_IN_PAST', '"scheduled_for" is in the past: leave it out to call now', {
        details: { field: 'scheduled_for', earliest: new Date(Date.now() - pastScheduleToleranceMs).toISOString() },
      });
    }
    if (scheduledFor && scheduledFor.getTime() > Date.now() + maxScheduleAheadMs) {
      throw new AppError('SCHEDULE_TOO_FAR', '"scheduled_for" may be at most a year ahead', { details: { field: 'scheduled_for', max: new Date(Date.now() + maxScheduleAheadMs).toISOString() } });
    }
    for (const check of this.createChecks) await check(input, { agent, carrier: caller.carrier });
    const lineOptions = lineOptionsOf(input);
    const timers = agent.settings.timers ?? {};
    const values = {
      id: newId('call'),
      orgId,
      agentId: agent.id,
      phoneNumberId: caller.id,
      toNumber: to,
      fromNumber: caller.number,
      carrier: caller.carrier,
      status: 'queued' as const,
      variables,
      metadata: input.metadata ?? {},
      webhookUrl: input.webhook_url ?? null,
      webhookHeadersSealed: input.webhook_headers && Object.keys(input.webhook_headers).length > 0 ? this.seal(JSON.stringify(input.webhook_headers)) : null,
      scheduledFor,
      // A direct line's call is claimed by the process holding the line, never by a scheduler.
      dueAt: direct ? null : (scheduledFor ?? new Date()),
      campaignId: input.campaign?.campaignId ?? null,
      campaignContactId: input.campaign?.contactId ?? null,
      attempt: input.campaign?.attempt ?? null,
      maxDurationS: input.max_duration_s ?? timers.max_duration_s ?? defaultMaxDurationS,
      idempotencyKey: idempotencyKey ?? null,
      requestHash: idempotencyKey ? hashRequest(input) : null,
      lineOptions,
    };
    return this.db.transaction(async (tx) => {
      // The contact first, so the call row is written once, already linked (a replayed request
      // touches its contact again, harmlessly, before its insert conflicts).
      // A direct line (a browser) has no phone number, so no contact.
      const contact = direct ? undefined : await linkContact(tx, orgId, to, input.contact ?? {});
      const [row] = await tx.insert(calls).values({ ...values, contactId: contact?.id ?? null }).onConflictDoNothing().returning();
      if (row) {
        await tx.insert(callEvents).values({ callId: row.id, orgId, type: 'call.queued', data: { status: 'queued' } });
        await this.runHooksIn(tx, [row], 'call.queued');
        return { call: row, created: true, contact };
      }
      const existing = await tx.query.calls.findFirst({ where: and(eq(calls.orgId, orgId), eq(calls.idempotencyKey, idempotencyKey ?? '')) });
      if (!existing) throw new Error('Call insert conflicted without an idempotency key');
      if (existing.requestHash !== values.requestHash) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', undefined, { details: { header: 'Idempotency-Key' } });
      }
      return { call: existing, created: false };
    });
  }

  async get(orgId: string, id: string): Promise<CallRow> {
    const row = await this.db.query.calls.findFirst({ where: and(eq(calls.id, id), eq(calls.orgId, orgId)) });
    if (!row) throw new AppError('CALL_NOT_FOUND', undefined, { details: { call_id: id } });
    return row;
  }

  /** For workers, which act on a call without a principal. */
  async getById(id: string): Promise<CallRow | undefined> {
    return this.db.query.calls.findFirst({ where: eq(calls.id, id) });
  }

  async bulkGet(orgId: string, ids: readonly string[]): Promise<CallRow[]> {
    if (ids.length === 0) return [];
    return this.db.select().from(calls).where(and(eq(calls.orgId, orgId), inArray(calls.id, [...ids]))).orderBy(desc(calls.createdAt));
  }

  async list(orgId: string, filter: CallFilter, page: { limit: number; cursor?: string | undefined }): Promise<Page<CallRow>> {
    const rows = await this.db
      .select()
      .from(calls)
      .where(
        and(
          eq(calls.orgId, orgId),
          filter.status?.length ? inArray(calls.status, [...filter.status]) : undefined,
          filter.agentId ? eq(calls.agentId, filter.agentId) : undefined,
          filter.contactId ? eq(calls.contactId, filter.contactId) : undefined,
          filter.number ? or(eq(calls.toNumber, filter.number), eq(calls.fromNumber, filter.number)) : undefined,
          filter.createdAfter ? gte(calls.createdAt, filter.createdAfter) : undefined,
          filter.createdBefore ? lte(calls.createdAt, filter.createdBefore) : undefined,
          afterCursor(calls, page.cursor),
        ),
      )
      .orderBy(desc(calls.createdAt), desc(calls.id))
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }

  async events(orgId: string, id: string): Promise<(typeof callEvents.$inferSelect)[]> {
    await this.get(orgId, id);
    return this.db.select().from(callEvents).where(eq(callEvents.callId, id)).orderBy(asc(callEvents.id));
  }

  /**
   * Moves a call to `to` if, and only if, its current status allows it: one atomic update guarded
   * by the legal predecessors, plus its event, in one transaction. Returns null when the call was
   * elsewhere (a late or duplicate carrier event, a race with cancel): the caller does nothing.
   */
  async transition(id: string, to: CallStatus, fields: TransitionFields = {}): Promise<CallRow | null> {
    const result = await this.db.transaction((tx) => this.transitionIn(tx, id, to, fields));
    if (result) this.publish(result);
    return result?.row ?? null;
  }

  /**
   * The transition inside a caller's transaction (the dispatcher's claim holds the organisation's
   * lock around it). The caller publishes the result once its transaction has committed.
   */
  async transitionIn(tx: Tx, id: string, to: CallStatus, fields: TransitionFields = {}): Promise<TransitionResult | null> {
    const now = new Date();
    const terminal = isTerminal(to);
    const [before] = await tx.select({ status: calls.status }).from(calls).where(eq(calls.id, id)).for('update');
    if (!before || !canTransition(before.status as CallStatus, to)) return null;
    const [row] = await tx
      .update(calls)
      .set({
        status: to,
        updatedAt: now,
        ...(to === 'dialing' ? { dialedAt: now } : {}),
        ...(to === 'in_progress' ? { answeredAt: fields.answeredAt ?? now } : {}),
        ...(fields.amd ? { amd: fields.amd } : {}),
        ...(terminal
          ? {
              endedAt: now,
              endReason: fields.endReason ?? defaultEndReason(to),
              durationS: sql`coalesce(greatest(0, round(extract(epoch from (${now.toISOString()}::timestamptz - ${calls.answeredAt}))))::int, 0)`,
              leaseOwner: null,
              leaseExpiresAt: null,
            }
          : {}),
        ...(fields.providerCallId ? { providerCallId: fields.providerCallId } : {}),
        ...(fields.answeredBy ? { answeredBy: fields.answeredBy } : {}),
        ...(fields.leaseOwner !== undefined && !terminal ? { leaseOwner: fields.leaseOwner, leaseExpiresAt: fields.leaseExpiresAt ?? null } : {}),
      })
      .where(and(eq(calls.id, id), inArray(calls.status, predecessorsOf(to))))
      .returning();
    if (!row) return null;
    await tx.insert(callEvents).values({
      callId: id,
      orgId: row.orgId,
      type: `call.${to}`,
      data: { status: to, from_status: before.status, ...(terminal ? { end_reason: row.endReason } : {}), ...fields.eventData },
    });
    await this.runHooksIn(tx, [row], `call.${to}`);
    return { row, from: before.status as CallStatus };
  }

  /**
   * Keeps a queued call waiting until `until` (a calling window, the daily cap), saying why;
   * `record` adds a `call.held` event (once per change, not on every look).
   */
  async holdIn(tx: Db, id: string, until: Date, reason: string, record: boolean): Promise<void> {
    const [row] = await tx
      .update(calls)
      .set({ dueAt: until, heldReason: reason, updatedAt: new Date() })
      .where(and(eq(calls.id, id), eq(calls.status, 'queued')))
      .returning({ id: calls.id, orgId: calls.orgId });
    if (row && record) await tx.insert(callEvents).values({ callId: id, orgId: row.orgId, type: 'call.held', data: { reason, until: until.toISOString() } });
  }

  /** Tells the listeners of a committed transition. */
  publish(result: TransitionResult): void {
    for (const listener of this.listeners) {
      try {
        listener(result.row, result.from);
      } catch {
        // A listener's failure is its own; the transition is committed.
      }
    }
  }

  /** Records an event that hooks (webhooks) hear, in the caller's transaction, for the call as `call` shows it. */
  async emitEventIn(tx: Tx, call: CallRow, type: string, data: Record<string, unknown>): Promise<void> {
    await tx.insert(callEvents).values({ callId: call.id, orgId: call.orgId, type, data });
    await this.runHooksIn(tx, [call], type);
  }

  /** Records something that happened on a call that is not a status change (tool calls, errors). */
  async recordEvent(call: Pick<CallRow, 'id' | 'orgId'>, type: string, data: Record<string, unknown>): Promise<void> {
    await this.db.insert(callEvents).values({ callId: call.id, orgId: call.orgId, type, data });
  }

  async appendTurn(id: string, turn: ConversationTurn): Promise<void> {
    await this.db
      .update(calls)
      .set({ transcript: sql`${calls.transcript} || ${JSON.stringify([turn])}::jsonb`, updatedAt: new Date() })
      .where(eq(calls.id, id));
  }

  async setProviderCallId(id: string, providerCallId: string): Promise<void> {
    await this.db.update(calls).set({ providerCallId }).where(eq(calls.id, id));
  }

  /**
   * Keeps the voice pipeline's latency summary on the call as `analysis.latency` (turns measured,
   * first_words_ms, and p50/p95 of each stage: endpoint, stt_final, llm_first_token,
   * tts_first_byte, first_audio), merged into whatever analysis the call already has.
   */
  async recordLatency(id: string, latency: Record<string, unknown>): Promise<void> {
    await this.db
      .update(calls)
      .set({ analysis: sql`coalesce(${calls.analysis}, '{}'::jsonb) || ${JSON.stringify({ latency })}::jsonb` })
      .where(eq(calls.id, id));
  }

  async setOutcome(id: string, outcome: Record<string, unknown>): Promise<void> {
    await this.db.update(calls).set({ outcome, updatedAt: new Date() }).where(eq(calls.id, id));
  }

  /**
   * Cancels a call. A queued call is canceled at once; a live one is marked, and the process
   * holding it hangs up (at once when that is this process, within a heartbeat otherwise).
   */
  async requestCancel(orgId: string, id: string): Promise<CallRow> {
    const call = await this.get(orgId, id);
    if (isTerminal(call.status as CallStatus)) throw new AppError('CALL_NOT_CANCELABLE', undefined, { details: { status: call.status } });
    if (call.status === 'queued') {
      const canceled = await this.transition(id, 'canceled', { endReason: 'canceled' });
      if (canceled) return canceled;
    }
    // Marked once, and only while the call is still going: two cancels at once record one request,
    // and one that loses a race with the call's end is told so.
    const [marked] = await this.db
      .update(calls)
      .set({ cancelRequestedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(calls.id, id), eq(calls.orgId, orgId), isNull(calls.cancelRequestedAt), notInArray(calls.status, [...terminalStatuses])))
      .returning();
    if (!marked) {
      const now = await this.get(orgId, id);
      if (isTerminal(now.status as CallStatus) && now.status !== 'canceled') throw new AppError('CALL_NOT_CANCELABLE', undefined, { details: { status: now.status } });
      return now;
    }
    await this.recordEvent(call, 'call.cancel_requested', {});
    this.publish({ row: marked, from: marked.status as CallStatus });
    return marked;
  }

  /**
   * What calls of `agentId` from `from` would be placed with, checked as a call's create checks
   * them (the agent can talk on this server, the number is the organisation's, its carrier is
   * configured): campaigns check once, when they are created and started.
   */
  async resolveTarget(orgId: string, agentId: string, from: string | null | undefined): Promise<{ agent: AgentRow; caller: { id: string; number: string; carrier: string } }> {
    const agent = await this.agents.get(orgId, agentId);
    this.policy.assertReady?.(agent);
    const caller = await this.resolveCaller(orgId, agent.id, from);
    if (!this.policy.carrierAvailable(caller.carrier)) {
      throw new AppError('CARRIER_NOT_CONFIGURED', `The number's carrier "${caller.carrier}" is not configured on this server`, { details: { carrier: caller.carrier } });
    }
    return { agent, caller: { id: caller.id, number: caller.number, carrier: caller.carrier } };
  }

  /**
   * Placeholders a call of `agent` must fill: its prompt, greeting, the engine's own texts, and
   * what the line may say besides (the message left on a machine, the recording disclosure, with
   * the call's own `recording` override), so a machine never hears "{{secret_code}}".
   */
  missingVariables(agent: AgentRow, variables: Record<string, VariableValue>, recording?: CreateCallInput['recording']): string[] {
    const extra = this.policy.requiredVariables?.(agent) ?? [];
    const texts = [agent.prompt, agent.greeting, ...lineTexts(agent, recording), ...extra.map((name) => `{{${name}}}`)];
    return missingVariables(texts, variables, agent.variableDefaults);
  }

  private async resolveCaller(orgId: string, agentId: string, from: string | null | undefined) {
    if (from) {
      const e164 = toE164(from);
      if (!e164) throw new AppError('INVALID_PHONE_NUMBER', '"from" must be a valid phone number in E.164 form', { details: { field: 'from' } });
      const owned = await this.numbers.findByNumber(orgId, e164);
      if (!owned) throw new AppError('FROM_NUMBER_NOT_OWNED', undefined, { details: { field: 'from' } });
      return owned;
    }
    const assigned = await this.numbers.firstForAgent(orgId, agentId);
    if (!assigned) {
      throw new AppError('NO_CALLER_NUMBER', 'The call has no "from" number and its agent has none: add one with POST /v1/phone-numbers {number, carrier, agent_id}', { details: { field: 'from' } });
    }
    return assigned;
  }
}

function defaultEndReason(status: CallStatus): string {
  switch (status) {
    case 'busy':
      return 'busy';
    case 'no_answer':
      return 'no_answer';
    case 'canceled':
      return 'canceled';
    case 'voicemail':
      return 'voicemail_detected';
    case 'failed':
      return 'carrier_failed';
    default:
      return 'agent_ended';
  }
}

/**
 * A stable hash of what the request asked for, to tell a replay from a different request.
 * Webhook header values (credentials) are left out: only their names count.
 */
function hashRequest(input: CreateCallInput): string {
  const shown = input.webhook_headers ? { ...input, webhook_headers: Object.keys(input.webhook_headers).sort() } : input;
  const canonical = JSON.stringify(shown, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

/** The call's own line settings (transfer numbers in E.164, recording), or null when it sets none. */
function lineOptionsOf(input: CreateCallInput): Record<string, unknown> | null {
  const options: Record<string, unknown> = {};
  if (input.transfer_numbers) {
    const numbers = input.transfer_numbers.map((number, index) => {
      const e164 = toE164(number);
      if (!e164) {
        throw new AppError('INVALID_PHONE_NUMBER', `"transfer_numbers[${index}]" must be a valid phone number in E.164 form, like +14155550100`, {
          details: { field: `transfer_numbers.${index}` },
        });
      }
      return e164;
    });
    options['transfer_numbers'] = [...new Set(numbers)];
  }
  if (input.recording) options['recording'] = { ...input.recording };
  return Object.keys(options).length > 0 ? options : null;
}

/** What the line may speak besides the conversation: the voicemail message it leaves, the recording disclosure (the call's override first). */
function lineTexts(agent: AgentRow, recording: CreateCallInput['recording']): string[] {
  const { voicemail } = agent.settings;
  const texts: string[] = [];
  if (voicemail?.action === 'leave_message' && voicemail.message) texts.push(voicemail.message);
  const { disclosure } = recordingSettingsOf({ lineOptions: recording ? { recording } : null }, agent.settings);
  if (disclosure) texts.push(disclosure);
  return texts;
}
