/**
 * The simplest brain: opens with the agent's rendered greeting and, once the contact has
 * answered, thanks them and ends the call. Used for agents no other engine takes.
 */
import { renderTemplate } from './template.js';
import type { BrainEvent, ConversationContext, ConversationEngine, ConversationTurn, Cue } from './types.js';

export function createGreetingEngine(): ConversationEngine {
  return {
    open(context: ConversationContext) {
      const { agent, variables } = context;
      return {
        firstSpeaker: agent.firstSpeaker,
        async *respond(_turns: readonly ConversationTurn[], cue: Cue): AsyncIterable<BrainEvent> {
          switch (cue.type) {
            case 'start':
              if (agent.greeting) yield { type: 'text', text: renderTemplate(agent.greeting, variables, agent.variableDefaults) };
              return;
            case 'contact_turn':
              if (agent.firstSpeaker === 'contact' && _turns.filter((turn) => turn.role === 'agent').length === 0 && agent.greeting) {
                yield { type: 'text', text: renderTemplate(agent.greeting, variables, agent.variableDefaults) };
                return;
              }
              yield { type: 'text', text: 'Thank you. Goodbye!' };
              yield { type: 'action', action: { type: 'end_call', reason: 'conversation_finished' } };
              return;
            case 'voicemail':
            case 'wrap_up':
              yield { type: 'text', text: 'Thank you for your time. Goodbye!' };
              yield { type: 'action', action: { type: 'end_call', reason: cue.type } };
              return;
            case 'silence':
              yield { type: 'text', text: 'Are you still there?' };
              return;
            case 'dtmf':
              return;
            case 'transfer_failed':
              yield { type: 'text', text: "I'm sorry, I couldn't connect you. Goodbye!" };
              yield { type: 'action', action: { type: 'end_call', reason: 'transfer_failed' } };
              return;
          }
        },
      };
    },
  };
}
