/** The new-campaign form's state and the POST /v1/campaigns body it becomes. */
import { retryReasons, weekDays, type RetryReason } from '../../types';

export interface RetryRow {
  readonly maxAttempts: string;
  readonly delayMinutes: string;
}

export interface CampaignForm {
  readonly name: string;
  readonly agentId: string;
  readonly from: string;
  /** False: call at any hour (no schedule). */
  readonly windowed: boolean;
  readonly days: readonly string[];
  readonly start: string;
  readonly end: string;
  readonly maxConcurrency: string;
  readonly callsPerMinute: string;
  readonly retry: Readonly<Record<RetryReason, RetryRow>>;
  readonly variables: Readonly<Record<string, string>>;
}

/** The API's defaults (busy 3 × 10 min, no answer 3 × 1 h, voicemail 2 × 2 h, failed 2 × 5 min). */
export const initialForm: CampaignForm = {
  name: '',
  agentId: '',
  from: '',
  windowed: true,
  days: weekDays.slice(0, 5),
  start: '09:00',
  end: '17:00',
  maxConcurrency: '',
  callsPerMinute: '',
  retry: {
    busy: { maxAttempts: '3', delayMinutes: '10' },
    no_answer: { maxAttempts: '3', delayMinutes: '60' },
    voicemail: { maxAttempts: '2', delayMinutes: '120' },
    failed: { maxAttempts: '2', delayMinutes: '5' },
  },
  variables: {},
};

/** A whole number as typed, or undefined when empty; anything else is sent as typed for the API to name. */
function whole(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** The request body: only what was given, so the API's defaults and checks apply to the rest. */
export function campaignBody(form: CampaignForm, variableNames: readonly string[]): Record<string, unknown> {
  const retry = Object.fromEntries(
    retryReasons.map((reason) => {
      const row = form.retry[reason];
      const minutes = whole(row.delayMinutes);
      return [reason, { max_attempts: whole(row.maxAttempts), delay_s: typeof minutes === 'number' ? minutes * 60 : minutes }];
    }),
  );
  const variables = Object.fromEntries(Object.entries(form.variables).filter(([name, value]) => variableNames.includes(name) && value.trim() !== ''));
  const maxConcurrency = whole(form.maxConcurrency);
  const callsPerMinute = whole(form.callsPerMinute);
  return {
    name: form.name.trim(),
    agent_id: form.agentId,
    ...(form.from ? { from: form.from } : {}),
    ...(form.windowed ? { schedule: { days: form.days, start: form.start, end: form.end } } : {}),
    ...(maxConcurrency !== undefined ? { max_concurrency: maxConcurrency } : {}),
    ...(callsPerMinute !== undefined ? { calls_per_minute: callsPerMinute } : {}),
    retry,
    variables,
  };
}
