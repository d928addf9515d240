/** The webhook events Parley sends, which call status raises which, and the envelope they travel in. */
import { assertNever } from '../shared/errors.js';
import { callStatuses, type CallStatus } from '../calls/call-status.js';
import type { CallView } from '../calls/call-view.js';

/**
 * Every event type, dot-cased. `call.analyzed` follows outcome extraction, not a status;
 * `call.amd` a change of the answering-machine record after `call.answered` (the verdict of a
 * carrier's async detection, the message cue); `campaign.*` carry the campaign
 * as `GET /v1/campaigns/{id}` shows it.
 */
export const webhookEventTypes = [
  'call.queued',
  'call.ringing',
  'call.answered',
  'call.completed',
  'call.busy',
  'call.no_answer',
  'call.failed',
  'call.canceled',
  'call.voicemail',
  'call.amd',
  'call.analyzed',
  'campaign.started',
  'campaign.paused',
  'campaign.resumed',
  'campaign.canceled',
  'campaign.completed',
  'call.transferred',
  'call.recording_ready',
  'call.recording_failed',
  'call.recording_unavailable',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

const eventTypeSet: ReadonlySet<string> = new Set(webhookEventTypes);

/** Narrows user input (an endpoint's event filter) to a known event type. */
export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && eventTypeSet.has(value);
}

/**
 * The event a call entering `status` raises, or null. `dialing` raises none: it is Parley's
 * own step between the queue and the carrier, and receivers only care that the phone rings.
 */
export function eventForStatus(status: CallStatus): WebhookEventType | null {
  switch (status) {
    case 'queued':
      return 'call.queued';
    case 'dialing':
      return null;
    case 'ringing':
      return 'call.ringing';
    case 'in_progress':
      return 'call.answered';
    case 'completed':
      return 'call.completed';
    case 'busy':
      return 'call.busy';
    case 'no_answer':
      return 'call.no_answer';
    case 'failed':
      return 'call.failed';
    case 'canceled':
      return 'call.canceled';
    case 'voicemail':
      return 'call.voicemail';
    default:
      return assertNever(status);
  }
}

const callStatusSet: ReadonlySet<string> = new Set(callStatuses);

/** Call events that are webhooks as they are, not statuses. */
const passedOn: ReadonlySet<string> = new Set<WebhookEventType>([
  'call.analyzed', 'call.amd', 'call.transferred', 'call.recording_ready', 'call.recording_failed',
  // A recording asked for that will not come (nothing crossed the line, or a line without audio).
  'call.recording_unavailable',
]);

/**
 * The webhook event for a call event as CallService records it (`call.<status>` or
 * `call.analyzed`), or null for one that raises none (`call.dialing`, tool calls, errors).
 */
export function eventForCallEvent(callEventType: string): WebhookEventType | null {
  if (passedOn.has(callEventType)) return callEventType as WebhookEventType;
  if (callEventType.startsWith('campaign.')) return null;
  if (!callEventType.startsWith('call.')) return null;
  const status = callEventType.slice('call.'.length);
  return callStatusSet.has(status) ? eventForStatus(status as CallStatus) : null;
}

/**
 * What a receiver gets, in the Standard Webhooks style: the event type, when it happened
 * (ISO 8601, UTC) and the call exactly as `GET /v1/calls/{id}` shows it at that moment.
 * The delivery's `webhook-id` header, not the body, identifies the message for deduplication.
 */
export interface WebhookPayload<TData = CallView> {
  readonly type: WebhookEventType;
  readonly timestamp: string;
  readonly data: TData;
}

/** Builds the envelope; `at` is when the event happened, not when it is delivered. */
export function webhookPayload<TData = CallView>(type: WebhookEventType, data: TData, at: Date): WebhookPayload<TData> {
  return { type, timestamp: at.toISOString(), data };
}
