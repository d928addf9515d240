/**
 * What ends a call, and as what: one pure function for every lane (text, voice) and the chat.
 * Whatever a lane hears (an agent's action, a timer's wrap-up, an answering machine, a failed
 * provider or engine, the carrier's end) it asks `endOf` what that means for the call: an end
 * reason and, when the cause decides it, a terminal status. Where the lanes used to disagree,
 * this is now the rule for all of them:
 *   - an agent that ends the call while answering an answering machine's beep ends it
 *     `voicemail` (`voicemail_detected`), not `agent_ended`;
 *   - an agent that ends the call while saying goodbye for a timer ends it for that timer
 *     (`max_duration`, `inactivity`), whatever action it used.
 * And an agent that hung up because its model failed ended a `failed` call (`llm_error`,
 * `llm_not_configured`), whatever apology it managed first and whatever cue it answered, except at
 * an answering machine, where the call is a voicemail.
 */
import type { AgentAction, Cue } from '../brain/types.js';
import type { CarrierEndOutcome } from '../telephony/types.js';

/** Where a conversation runs. A chat has no call: nothing there is a carrier or a machine. */
export const lanes = ['text', 'voice', 'chat'] as const;
export type Lane = (typeof lanes)[number];

/** The statuses a conversation can decide for its call; others come from the carrier. */
export type DecidedStatus = 'completed' | 'voicemail' | 'failed' | 'canceled';

/** How a call ends, as its conversation decided it. Without a status, the carrier's report decides. */
export interface CallEnd {
  readonly reason: string;
  readonly status?: DecidedStatus;
}

export type EndCause =
  /** The agent asked for `action` while answering `cue`. */
  | { readonly kind: 'action'; readonly action: AgentAction; readonly cue: Cue }
  /** A timer's goodbye was said (the agent's own action, if any, is folded in by `endOf` above). */
  | { readonly kind: 'wrap_up'; readonly reason: 'max_duration' | 'inactivity' }
  /** An answering machine answered; the agent's `voicemail` setting left a message or hung up. */
  | { readonly kind: 'machine'; readonly messageLeft: boolean }
  /** A speech provider failed for good (the callee heard an apology). */
  | { readonly kind: 'provider_failed' }
  /** The conversation engine threw. */
  | { readonly kind: 'engine_failed' }
  /** The line carries something this server cannot host (audio without a voice lane). */
  | { readonly kind: 'line_unsupported' }
  | { readonly kind: 'contact_hung_up' }
  /** The line broke under the call (its socket failed, or its client broke the wire's rules). */
  | { readonly kind: 'line_failed' }
  | { readonly kind: 'canceled' }
  /** This process stops while the call is live. */
  | { readonly kind: 'shutdown' };

/** What `cause` means for the call on `lane`; null when the conversation goes on. */
export function endOf(cause: EndCause, lane: Lane): CallEnd | null {
  switch (cause.kind) {
    case 'action':
      return actionEnd(cause.action, cause.cue, lane);
    case 'wrap_up':
      return { reason: cause.reason };
    case 'machine':
      return cause.messageLeft ? { reason: 'voicemail_message_left', status: 'completed' } : { reason: 'voicemail_detected', status: 'voicemail' };
    case 'provider_failed':
      return { reason: 'provider_error', status: 'failed' };
    case 'engine_failed':
      return { reason: 'engine_error', status: 'failed' };
    case 'line_unsupported':
      return { reason: 'audio_not_supported', status: 'failed' };
    case 'contact_hung_up':
      return { reason: 'contact_hung_up' };
    case 'line_failed':
      // The carrier's report says whether the call had been answered; the reason is the line's.
      return { reason: 'carrier_failed' };
    case 'canceled':
      return { reason: 'canceled', status: 'canceled' };
    case 'shutdown':
      // A live call cannot move to another process (its media is here): it ends as after a crash.
      return { reason: 'worker_lost', status: 'failed' };
  }
}

/** `end_call` reasons the engines give when the model could not answer. */
const modelFailures: ReadonlySet<string> = new Set(['llm_error', 'llm_not_configured']);

function actionEnd(action: AgentAction, cue: Cue, lane: Lane): CallEnd | null {
  const ends = endsOn(action, lane);
  if (!ends) return null;
  if (action.type === 'end_call' && cue.type === 'voicemail') return { reason: 'voicemail_detected', status: 'voicemail' };
  if (action.type === 'end_call' && modelFailures.has(action.reason)) return { reason: action.reason, status: 'failed' };
  if (cue.type === 'wrap_up') return { reason: cue.reason };
  switch (action.type) {
    case 'end_call':
      return { reason: 'agent_ended' };
    case 'transfer_call':
      // A line that cannot bridge the call (the text lane, a Media Stream) hangs up after the agent's words.
      return { reason: 'transferred' };
    case 'leave_voicemail':
      return { reason: 'voicemail_message_left', status: 'completed' };
    case 'send_dtmf':
      return null;
  }
}

/** Whether `action` ends the conversation on `lane`. */
function endsOn(action: AgentAction, lane: Lane): boolean {
  switch (action.type) {
    case 'end_call':
    case 'transfer_call':
      return true;
    case 'leave_voicemail':
      // A chat has no answering machine: the message is shown and the chat goes on.
      return lane !== 'chat';
    case 'send_dtmf':
      // The tones stay on record; no lane carries them out yet, and none ends for them.
      return false;
  }
}

/** The call's terminal status and reason once the carrier reports the end. */
export function carrierEnd(
  report: { readonly outcome: CarrierEndOutcome; readonly reason?: string | undefined; readonly answered: boolean },
  decided: CallEnd | undefined,
): { readonly status: DecidedStatus | 'busy' | 'no_answer'; readonly reason: string } {
  const status = decided?.status ?? (report.outcome === 'completed' && !report.answered ? 'no_answer' : report.outcome);
  return { status, reason: decided?.reason ?? carrierReason(report.reason, status) };
}

function carrierReason(reason: string | undefined, status: string): string {
  switch (reason) {
    case 'time_limit':
      return 'max_duration';
    case 'agent_hung_up':
      return 'agent_ended';
    case 'contact_hung_up':
    case 'machine_hung_up':
      return 'contact_hung_up';
    case 'carrier_failed':
      // The line broke under an answered call (a web call's socket): not the contact hanging up.
      return 'carrier_failed';
    default:
      return status === 'failed' ? 'carrier_failed' : status === 'completed' ? 'contact_hung_up' : status;
  }
}
