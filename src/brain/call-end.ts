/**
 * How an agent's action ends the call: the end reason and, when the agent's side knows it, the
 * terminal status. One pure function for the text lane and the voice session, so both tell the
 * same truth: an agent that hung up because its model failed ended a `failed` call, whatever
 * apology it managed first.
 */
import type { AgentAction, Cue } from './types.js';

/** What the agent's side decided; without `status` the carrier's report of the end decides it. */
export interface CallEnd {
  readonly reason: string;
  readonly status?: 'completed' | 'failed' | 'voicemail';
}

/** `end_call` reasons the engines give when the model could not answer. */
const modelFailures: Readonly<Record<string, string>> = {
  llm_error: 'llm_error',
  llm_not_configured: 'llm_not_configured',
};

/** The end an action asks for, or null for an action that does not end the call (`send_dtmf`). */
export function callEndOf(action: AgentAction, cue: Cue): CallEnd | null {
  switch (action.type) {
    case 'end_call': {
      if (cue.type === 'voicemail') return { reason: 'voicemail_detected', status: 'voicemail' };
      const failure = modelFailures[action.reason];
      return failure ? { reason: failure, status: 'failed' } : { reason: 'agent_ended' };
    }
    case 'transfer_call':
      return { reason: 'transferred' };
    case 'leave_voicemail':
      return { reason: 'voicemail_message_left', status: 'completed' };
    case 'send_dtmf':
      return null;
  }
}
