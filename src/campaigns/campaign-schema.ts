/** What a campaign is made of, as the API takes and shows it. */
import { z } from 'zod';
import type { campaignContacts, campaigns } from '../store/schema.js';
import { scheduleSchema } from '../dispatch/calling-window.js';

export type CampaignRow = typeof campaigns.$inferSelect;
export type CampaignContactRow = typeof campaignContacts.$inferSelect;

export const campaignStatuses = ['draft', 'running', 'paused', 'completed', 'canceled'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

/** The outcomes a retry policy is kept per. */
export const retryReasons = ['busy', 'no_answer', 'voicemail', 'failed'] as const;
export type RetryReason = (typeof retryReasons)[number];

const retryRule = z.strictObject({
  max_attempts: z.number().int().min(1).max(20).describe('Calls that may end this way, the first one included'),
  delay_s: z.number().int().min(0).max(30 * 86_400).describe('Wait before the next attempt'),
});
export type RetryRule = z.infer<typeof retryRule>;

/** One attempt for a failed or unreached call, unless the campaign says otherwise. */
export const defaultRetry: Readonly<Record<RetryReason, RetryRule>> = {
  busy: { max_attempts: 3, delay_s: 600 },
  no_answer: { max_attempts: 3, delay_s: 3600 },
  voicemail: { max_attempts: 2, delay_s: 7200 },
  failed: { max_attempts: 2, delay_s: 300 },
};

export const retrySchema = z.strictObject({ busy: retryRule.optional(), no_answer: retryRule.optional(), voicemail: retryRule.optional(), failed: retryRule.optional() });

export const variableValue = z.union([z.string().max(5000), z.number(), z.boolean()]);
const variables = z.record(z.string().min(1).max(64), variableValue);

export const createCampaignBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  agent_id: z.string().min(1).max(100),
  from: z.string().max(32).nullish().describe("One of the organisation's numbers; defaults to the agent's"),
  schedule: scheduleSchema.nullish().describe("Calling window in each callee's local time"),
  max_concurrency: z.number().int().min(1).max(10_000).nullish().describe("Live calls of this campaign at once (within the organisation's limit)"),
  calls_per_minute: z.number().int().min(1).max(100_000).nullish(),
  retry: retrySchema.optional(),
  variables: variables.optional().describe('Shared by every contact; a contact\'s own win'),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type CreateCampaignInput = z.infer<typeof createCampaignBody>;

export const updateCampaignBody = createCampaignBody.omit({ agent_id: true }).partial();
export type UpdateCampaignInput = z.infer<typeof updateCampaignBody>;

export const contactInput = z.looseObject({
  phone: z.string().min(1).max(32),
  timezone: z.string().max(64).nullish().describe("IANA zone; wins over the number's"),
  variables: variables.optional(),
  first_name: z.string().max(200).nullish(),
  last_name: z.string().max(200).nullish(),
  email: z.string().max(320).nullish(),
});
export type ContactInput = z.infer<typeof contactInput>;

export const maxContactsPerRequest = 200_000;
export const addContactsBody = z.strictObject({ contacts: z.array(z.unknown()).min(1).max(maxContactsPerRequest) });

export function retryRuleFor(row: CampaignRow, reason: RetryReason): RetryRule {
  return (row.retry as Partial<Record<RetryReason, RetryRule>>)[reason] ?? defaultRetry[reason];
}

/** The campaign as the API shows it; `progress` when counted. */
export function campaignView(row: CampaignRow, progress?: Record<string, unknown>) {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    agent_id: row.agentId,
    from: row.fromNumber,
    schedule: row.schedule,
    max_concurrency: row.maxConcurrency,
    calls_per_minute: row.callsPerMinute,
    retry: Object.fromEntries(retryReasons.map((reason) => [reason, retryRuleFor(row, reason)])),
    variables: row.variables,
    metadata: row.metadata,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    started_at: row.startedAt?.toISOString() ?? null,
    ended_at: row.endedAt?.toISOString() ?? null,
    ...(progress ? { progress } : {}),
  };
}

export interface AttemptView {
  readonly call_id: string;
  readonly attempt: number | null;
  readonly status: string;
  readonly end_reason: string | null;
  readonly dialed_at: string | null;
  readonly ended_at: string | null;
}

export function campaignContactView(row: CampaignContactRow, attempts: AttemptView[]) {
  return {
    id: row.id,
    phone: row.phone,
    timezone: row.timezone,
    ...row.fields,
    variables: row.variables,
    status: row.status,
    result: row.result,
    attempts: row.attempts,
    attempts_by_reason: row.attemptsByReason,
    next_attempt_at: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    held_reason: row.status === 'pending' ? row.heldReason : null,
    last_call_id: row.lastCallId,
    calls: attempts,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
