/** The database schema (PostgreSQL dialect, shared by PGlite and a Postgres server). */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const time = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const organizations = pgTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Per-organisation cap on live calls; null uses the server default. */
  maxConcurrentCalls: integer('max_concurrent_calls'),
  isDefault: boolean('is_default').notNull().default(false),
  /**
   * Secrets signing deliveries to calls' own webhook_url, sealed (as an endpoint's are), once
   * rotated; null until then, when a secret derived from the server key signs.
   */
  callWebhookSecretSealed: text('call_webhook_secret_sealed'),
  /** Dialling rules: `calling_window` (default 08:00-21:00 on real carriers), `daily_call_cap` (default 3). */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    name: text('name').notNull(),
    /** The visible start of the key, for recognising it in lists. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key (keys are 192-bit random, so a fast hash is enough). */
    hash: text('hash').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    createdAt: createdAt(),
    lastUsedAt: time('last_used_at'),
    revokedAt: time('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.hash), index('api_keys_org_idx').on(t.orgId)],
);

export const agents = pgTable(
  'agents',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    name: text('name').notNull(),
    prompt: text('prompt').notNull(),
    greeting: text('greeting'),
    firstSpeaker: text('first_speaker').notNull().default('agent'),
    language: text('language').notNull().default('en-US'),
    voice: text('voice'),
    variableDefaults: jsonb('variable_defaults').$type<Record<string, string>>().notNull().default({}),
    /** Capability settings: kind, llm (key encrypted), flow, tools, outcome, timers, voicemail. */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: time('updated_at').notNull().defaultNow(),
    deletedAt: time('deleted_at'),
  },
  (t) => [index('agents_org_idx').on(t.orgId, t.createdAt)],
);

export const phoneNumbers = pgTable(
  'phone_numbers',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    number: text('number').notNull(),
    carrier: text('carrier').notNull(),
    agentId: text('agent_id').references(() => agents.id),
    label: text('label'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('phone_numbers_number_idx').on(t.number), index('phone_numbers_agent_idx').on(t.agentId)],
);

export const calls = pgTable(
  'calls',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    agentId: text('agent_id').notNull().references(() => agents.id),
    phoneNumberId: text('phone_number_id').references(() => phoneNumbers.id),
    toNumber: text('to_number').notNull(),
    fromNumber: text('from_number').notNull(),
    carrier: text('carrier').notNull(),
    status: text('status').notNull(),
    endReason: text('end_reason'),
    variables: jsonb('variables').$type<Record<string, string | number | boolean>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    webhookUrl: text('webhook_url'),
    /** Headers sent with this call's own webhooks (e.g. an Authorization), sealed. */
    webhookHeadersSealed: text('webhook_headers_sealed'),
    contactId: text('contact_id'),
    scheduledFor: time('scheduled_for'),
    maxDurationS: integer('max_duration_s').notNull(),
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash'),
    providerCallId: text('provider_call_id'),
    answeredBy: text('answered_by'),
    transcript: jsonb('transcript').$type<unknown[]>().notNull().default([]),
    outcome: jsonb('outcome').$type<Record<string, unknown>>(),
    /** Post-call analysis: summary, tags, error, when. */
    analysis: jsonb('analysis').$type<Record<string, unknown>>(),
    /** Process that holds the live call, and until when its claim is good without a heartbeat. */
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: time('lease_expires_at'),
    cancelRequestedAt: time('cancel_requested_at'),
    createdAt: createdAt(),
    updatedAt: time('updated_at').notNull().defaultNow(),
    dialedAt: time('dialed_at'),
    answeredAt: time('answered_at'),
    endedAt: time('ended_at'),
    durationS: integer('duration_s'),
    /** When a queued call may be dialled: its scheduled_for, or later when a rule holds it. */
    dueAt: time('due_at'),
    /** Higher first among due calls of one queue lane. */
    priority: integer('priority').notNull().default(0),
    /** Why a queued call waits past its scheduled time (`calling_window`, `daily_cap`, `campaign_schedule`). */
    heldReason: text('held_reason'),
    campaignId: text('campaign_id'),
    campaignContactId: text('campaign_contact_id'),
    /** The attempt number of a campaign contact this call is. */
    attempt: integer('attempt'),
    /** Per-call line settings that override the agent's: transfer_numbers, recording. */
    lineOptions: jsonb('line_options').$type<Record<string, unknown>>(),
    /** The transfer, once tried: target, mode, outcome, the leg's duration. */
    transfer: jsonb('transfer').$type<Record<string, unknown>>(),
    /** Answering-machine detection: verdict, source, reason, time to verdict. */
    amd: jsonb('amd').$type<Record<string, unknown>>(),
    /** The recording: storage key and folders, status (recording, ready, repaired, failed, deleted), size, duration. */
    recording: jsonb('recording').$type<Record<string, unknown>>(),
  },
  (t) => [
    uniqueIndex('calls_idempotency_idx').on(t.orgId, t.idempotencyKey),
    index('calls_due_idx').on(t.orgId, t.priority.desc(), t.dueAt).where(sql`${t.status} = 'queued'`),
    index('calls_queued_due_idx').on(t.dueAt).where(sql`${t.status} = 'queued'`),
    index('calls_number_dialed_idx').on(t.orgId, t.toNumber, t.dialedAt),
    index('calls_campaign_idx').on(t.campaignId, t.status).where(sql`${t.campaignId} is not null`),
    index('calls_campaign_dialed_idx').on(t.campaignId, t.dialedAt).where(sql`${t.campaignId} is not null`),
    index('calls_org_created_idx').on(t.orgId, t.createdAt, t.id),
    index('calls_org_status_idx').on(t.orgId, t.status),
    index('calls_lease_idx').on(t.leaseOwner).where(sql`${t.leaseOwner} is not null`),
    index('calls_recording_idx').on(t.endedAt).where(sql`${t.recording} is not null`),
    // Recordings still being written: the recovery looks for ones left so past their call's end.
    index('calls_recording_open_idx').on(t.endedAt).where(sql`${t.recording}->>'status' = 'recording'`),
  ],
);

export const callEvents = pgTable(
  'call_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    callId: text('call_id').notNull().references(() => calls.id),
    orgId: text('org_id').notNull(),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('call_events_call_idx').on(t.callId, t.id)],
);

/**
 * Organisation events that belong to no call (campaign.started, campaign.paused, …), streamed by
 * GET /v1/events beside call events. Ids come from call_events' sequence, so one Last-Event-ID
 * orders both tables.
 */
export const orgEvents = pgTable(
  'org_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().default(sql`nextval('call_events_id_seq')`),
    orgId: text('org_id').notNull(),
    type: text('type').notNull(),
    campaignId: text('campaign_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('org_events_org_idx').on(t.orgId, t.id)],
);

export const hooks = pgTable(
  'hooks',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull(),
    /** Agent used when the hook's payload names none. */
    agentId: text('agent_id').references(() => agents.id),
    createdAt: createdAt(),
    lastUsedAt: time('last_used_at'),
    revokedAt: time('revoked_at'),
  },
  (t) => [uniqueIndex('hooks_token_idx').on(t.tokenHash)],
);

export const simPersonas = pgTable(
  'sim_personas',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    number: text('number').notNull(),
    /** { replies: string[], hangUpAfterReplies?, prompt?, ... } */
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('sim_personas_number_idx').on(t.orgId, t.number)],
);

export const contacts = pgTable(
  'contacts',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    /** E.164. */
    phone: text('phone').notNull(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    email: text('email'),
    source: text('source'),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    notes: text('notes'),
    customFields: jsonb('custom_fields').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: time('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('contacts_phone_idx').on(t.orgId, t.phone), index('contacts_org_created_idx').on(t.orgId, t.createdAt, t.id)],
);

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types wanted; empty means all. */
    events: jsonb('events').$type<string[]>().notNull().default([]),
    /** The whsec_ secret, sealed (it must be readable to sign). */
    secretSealed: text('secret_sealed').notNull(),
    /** Extra headers sent with every delivery (sealed JSON), e.g. an Authorization. */
    headersSealed: text('headers_sealed'),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    failingSince: time('failing_since'),
    lastSuccessAt: time('last_success_at'),
    createdAt: createdAt(),
    updatedAt: time('updated_at').notNull().defaultNow(),
  },
  (t) => [index('webhook_endpoints_org_idx').on(t.orgId)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    /** Also the webhook-id header: the same on every attempt. */
    id: text('id').primaryKey(),
    /** Order of creation: per call and target, deliveries go out in this order. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    orgId: text('org_id').notNull(),
    /** Null for a call's own webhook_url. */
    endpointId: text('endpoint_id'),
    callId: text('call_id'),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    targetUrl: text('target_url').notNull(),
    /** pending | delivering | delivered | failed (will retry) | abandoned */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: time('next_attempt_at').notNull().defaultNow(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastLatencyMs: integer('last_latency_ms'),
    createdAt: createdAt(),
    deliveredAt: time('delivered_at'),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_call_idx').on(t.callId, t.seq),
    index('webhook_deliveries_org_idx').on(t.orgId, t.createdAt),
  ],
);

export const campaigns = pgTable(
  'campaigns',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    name: text('name').notNull(),
    agentId: text('agent_id').notNull(),
    fromNumber: text('from_number'),
    /** draft | running | paused | completed | canceled */
    status: text('status').notNull().default('draft'),
    /** Calling window in the callee's local time: `{days, start, end, starts_at?, ends_at?}` or a per-day table. */
    schedule: jsonb('schedule').$type<Record<string, unknown>>(),
    maxConcurrency: integer('max_concurrency'),
    callsPerMinute: integer('calls_per_minute'),
    /** Per reason (busy, no_answer, voicemail, failed): `{max_attempts, delay_s}`. */
    retry: jsonb('retry').$type<Record<string, { max_attempts: number; delay_s: number }>>().notNull().default({}),
    variables: jsonb('variables').$type<Record<string, string | number | boolean>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: time('updated_at').notNull().defaultNow(),
    startedAt: time('started_at'),
    endedAt: time('ended_at'),
  },
  (t) => [index('campaigns_org_idx').on(t.orgId, t.createdAt, t.id), index('campaigns_running_idx').on(t.orgId).where(sql`${t.status} = 'running'`)],
);

export const campaignContacts = pgTable(
  'campaign_contacts',
  {
    id: text('id').primaryKey(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    orgId: text('org_id').notNull(),
    /** Order of import: the list is called in this order, other things equal. */
    seq: integer('seq').notNull(),
    phone: text('phone').notNull(),
    /** An explicit IANA zone from the list; otherwise the number's zones decide. */
    timezone: text('timezone'),
    /** first_name, last_name, email and the like, as given. */
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull().default({}),
    variables: jsonb('variables').$type<Record<string, string | number | boolean>>().notNull().default({}),
    /** pending | calling | done | skipped | canceled */
    status: text('status').notNull().default('pending'),
    nextAttemptAt: time('next_attempt_at'),
    heldReason: text('held_reason'),
    attempts: integer('attempts').notNull().default(0),
    attemptsByReason: jsonb('attempts_by_reason').$type<Record<string, number>>().notNull().default({}),
    lastCallId: text('last_call_id'),
    /** The final outcome: a call status (completed, busy, …) or, when skipped, the rule (do_not_call, …). */
    result: text('result'),
    createdAt: createdAt(),
    updatedAt: time('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('campaign_contacts_phone_idx').on(t.campaignId, t.phone),
    index('campaign_contacts_seq_idx').on(t.campaignId, t.seq),
    index('campaign_contacts_due_idx').on(t.campaignId, t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('campaign_contacts_status_idx').on(t.campaignId, t.status, t.result),
  ],
);

export const doNotCall = pgTable(
  'do_not_call',
  {
    orgId: text('org_id').notNull(),
    number: text('number').notNull(),
    reason: text('reason'),
    /** api | csv | opt_out | outcome */
    source: text('source').notNull().default('api'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ name: 'do_not_call_pk', columns: [t.orgId, t.number] })],
);
