/**
 * A recording disclosure ("This call is recorded.") said word for word before anything else
 * the agent says, as the start of its first turn, so the callee hears it before the greeting
 * and nobody mistakes it for a turn of its own (HappyRobot's `recorded_message_outbound`).
 */
import type { BrainEvent, Conversation, ConversationTurn, Cue } from './types.js';

export function withDisclosure(conversation: Conversation, disclosure: string | null | undefined): Conversation {
  const text = disclosure?.trim();
  if (!text) return conversation;
  let said = false;
  return {
    firstSpeaker: conversation.firstSpeaker,
    async *respond(turns: readonly ConversationTurn[], cue: Cue, signal: AbortSignal): AsyncIterable<BrainEvent> {
      if (said) {
        yield* conversation.respond(turns, cue, signal);
        return;
      }
      said = true;
      yield { type: 'text', text: `${text} ` };
      yield* conversation.respond(turns, cue, signal);
    },
  };
}
