/** The API's resources as the dashboard reads them. */

export type Scope = 'calls:read' | 'calls:write' | 'agents:read' | 'agents:write' | 'admin';
export const scopes: readonly Scope[] = ['calls:read', 'calls:write', 'agents:read', 'agents:write', 'admin'];

export interface Me {
  readonly org_id: string;
  readonly key_id: string;
  readonly scopes: Scope[];
}

export interface Agent {
  readonly id: string;
  readonly name: string;
  readonly kind: 'prompt' | 'flow';
  readonly prompt: string;
  readonly greeting: string | null;
  readonly first_speaker: 'agent' | 'contact';
  readonly language: string;
  readonly voice: string | null;
  readonly default_variables: Record<string, string>;
  readonly metadata: Record<string, unknown>;
  readonly created_at: string;
  readonly updated_at: string;
  readonly [setting: string]: unknown;
}

export interface PhoneNumber {
  readonly id: string;
  readonly number: string;
  readonly carrier: string;
  readonly agent_id: string | null;
  readonly label: string | null;
  readonly created_at: string;
}

export interface Turn {
  readonly role: string;
  readonly text: string;
  readonly offset_ms: number;
  readonly interrupted?: boolean;
  /** `keypad`: the contact pressed these keys rather than saying them. */
  readonly input?: 'keypad';
}

export interface Call {
  readonly id: string;
  readonly status: string;
  readonly end_reason: string | null;
  readonly agent_id: string;
  readonly to: string;
  readonly from: string;
  readonly carrier: string;
  readonly variables: Record<string, string | number | boolean>;
  readonly metadata: Record<string, unknown>;
  readonly created_at: string;
  readonly answered_at: string | null;
  readonly ended_at: string | null;
  readonly duration_s: number | null;
  readonly transcript: Turn[];
  readonly outcome: Record<string, unknown> | null;
  readonly summary: string | null;
  readonly tags: string[];
  readonly analysis: Record<string, unknown> | null;
  readonly recording_url?: string | null;
  /** human | machine | unknown, once known. */
  readonly answered_by?: string | null;
  /** Answering-machine detection: who decided, why, how fast, and what cued a left message. */
  readonly amd?: AmdRecord | null;
  /** The transfer, once tried. */
  readonly transfer?: TransferRecord | null;
  /** The campaign a call belongs to, and which attempt at its contact it is. */
  readonly campaign_id?: string | null;
  readonly attempt?: number | null;
}

export interface AmdRecord {
  readonly verdict: string;
  readonly source: 'parley' | 'carrier';
  readonly reason: string | null;
  readonly time_to_verdict_ms: number | null;
  readonly message_cue?: { readonly reason: string; readonly at_ms: number } | null;
  /** A beep after a message cued by anything else: the message is said (again, if it had started) after it. */
  readonly late_beep_at_ms?: number;
  /** A second look turned an earlier `human` into this machine. */
  readonly revised?: boolean;
}

export interface TransferRecord {
  readonly to: string;
  readonly mode: 'cold' | 'warm';
  readonly reason: string | null;
  readonly outcome: string;
  readonly leg_duration_s: number | null;
}

export interface CallEvent {
  readonly id: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly created_at: string;
  readonly call_id?: string;
  /** A campaign event's campaign, or the campaign of a campaign call's event. */
  readonly campaign_id?: string;
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: Scope[];
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
  readonly key?: string;
}

export interface Hook {
  readonly id: string;
  readonly name: string;
  readonly agent_id: string | null;
  readonly created_at: string;
  readonly revoked_at?: string | null;
  readonly token?: string;
  readonly url?: string;
  readonly [field: string]: unknown;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly events: string[];
  readonly description?: string | null;
  readonly enabled: boolean;
  readonly secret?: string;
  readonly created_at: string;
  readonly [field: string]: unknown;
}

export interface Delivery {
  readonly id: string;
  readonly event_type: string;
  readonly call_id: string | null;
  readonly endpoint_id: string | null;
  readonly target: 'endpoint' | 'call';
  readonly url: string;
  readonly status: string;
  readonly attempts: number;
  readonly last_status_code: number | null;
  readonly last_latency_ms: number | null;
  readonly last_error: string | null;
  readonly next_attempt_at: string | null;
  readonly created_at: string;
  readonly delivered_at: string | null;
}

export const callStatuses = ['queued', 'dialing', 'ringing', 'in_progress', 'completed', 'busy', 'no_answer', 'failed', 'canceled', 'voicemail'] as const;
export const terminalStatuses: ReadonlySet<string> = new Set(['completed', 'busy', 'no_answer', 'failed', 'canceled', 'voicemail']);

export const campaignStatuses = ['draft', 'running', 'paused', 'completed', 'canceled'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];
export const retryReasons = ['busy', 'no_answer', 'voicemail', 'failed'] as const;
export type RetryReason = (typeof retryReasons)[number];
export const weekDays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface RetryRule {
  readonly max_attempts: number;
  readonly delay_s: number;
}

export interface CampaignProgress {
  readonly total: number;
  readonly pending: number;
  readonly live: number;
  readonly retries_waiting: number;
  readonly canceled: number;
  readonly done: Record<string, number>;
  readonly skipped: Record<string, number>;
  readonly calls: number;
}

export interface Campaign {
  readonly id: string;
  readonly name: string;
  readonly status: CampaignStatus;
  readonly agent_id: string;
  readonly from: string | null;
  readonly schedule: { days?: string[]; start?: string; end?: string; [field: string]: unknown } | null;
  readonly max_concurrency: number | null;
  readonly calls_per_minute: number | null;
  readonly retry: Record<RetryReason, RetryRule>;
  readonly variables: Record<string, string | number | boolean>;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly ended_at: string | null;
  readonly progress?: CampaignProgress;
}

export interface Attempt {
  readonly call_id: string;
  readonly attempt: number | null;
  readonly status: string;
  readonly end_reason: string | null;
  readonly dialed_at: string | null;
  readonly ended_at: string | null;
}

export interface CampaignContact {
  readonly id: string;
  readonly phone: string;
  readonly timezone: string | null;
  readonly first_name?: string | null;
  readonly last_name?: string | null;
  readonly variables: Record<string, string | number | boolean>;
  readonly status: string;
  readonly result: string | null;
  readonly attempts: number;
  readonly next_attempt_at: string | null;
  readonly held_reason: string | null;
  readonly calls: Attempt[];
}

/** A row an import refused: by CSV line or JSON index. */
export interface RowProblem {
  readonly line?: number;
  readonly index?: number;
  readonly field: string;
  readonly message: string;
}

export interface DoNotCallEntry {
  readonly number: string;
  readonly reason: string | null;
  readonly source: string;
  readonly created_at: string;
}
