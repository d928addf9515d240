/** The one timer set of a conversation, on every lane, from the agent's `timers` settings. */
import type { TimerSettings } from './agent-settings.js';

export interface ConversationTimers {
  /** Re-prompt after this much silence from the contact (0: never). */
  readonly silenceRepromptMs: number;
  /** Wrap up after this long without the callee saying anything (0: never). */
  readonly inactivityTimeoutMs: number;
  /** Ask the agent to wrap up at this offset from the answer (0: never). */
  readonly wrapUpAtMs: number;
  /** Pause before the agent answers. */
  readonly responseDelayMs: number;
}


/**
 * The agent is asked to wrap up this long before the call's time limit: a goodbye of a sentence
 * or two takes 5-10 s to say, and the model needs a turn to decide on it.
 */
export const wrapUpLeadMs = 20_000;

export function conversationTimers(timers: TimerSettings, maxDurationS: number): ConversationTimers {
  return {
    silenceRepromptMs: (timers.silence_reprompt_s ?? 8) * 1000,
    inactivityTimeoutMs: (timers.inactivity_timeout_s ?? 30) * 1000,
    wrapUpAtMs: Math.max(0, maxDurationS * 1000 - wrapUpLeadMs),
    responseDelayMs: timers.response_delay_ms ?? 0,
  };
}
