/** A simulated callee played by a model: a persona prompt makes a test call a real two-sided conversation. */
import type { LlmMessage, LlmProvider } from '../../llm/types.js';
import type { Persona, PersonaDefinition, PersonaReply } from './personas.js';
import { scriptedPersona } from './personas.js';

/** The persona's way to end the call, which the model is told to append to its last words. */
export const hangUpMarker = '<hangup>';
/** The persona's way to press keys: a reply of keys the network sends as DTMF (the same keys a scripted `{"dtmf"}` reply allows). */
const keysPattern = /<dtmf>\s*([0-9*#]{1,32})\s*<\/dtmf>/i;

function instructions(persona: string): string {
  return [
    'You are role-playing the person who just answered a phone call. Stay in character.',
    `Who you are and what you want: ${persona}`,
    'Answer the caller in one or two short spoken sentences, as a person on the phone would: no lists, no markdown.',
    `When the conversation is over (you said goodbye, or want to end the call), end your reply with ${hangUpMarker}.`,
    'When the caller asks you to press keys on your phone (a PIN, "press 1"), reply with only the keys inside <dtmf></dtmf>, for example <dtmf>1234#</dtmf>.',
  ].join('\n');
}

/**
 * A persona that answers with the model. Scripted replies, if the definition has any, come first;
 * past `max_turns` it says goodbye and hangs up. A model failure makes it hang up (a real person
 * on a bad line would, too), never stall the call.
 */
export function llmPersona(definition: PersonaDefinition, llm: { provider: LlmProvider; model: string }): Persona {
  const scripted = scriptedPersona(definition);
  const own: string[] = [];
  return {
    definition,
    async reply(agentTurns, signal): Promise<PersonaReply | null> {
      const fromScript = await scripted.reply(agentTurns, signal);
      if (fromScript) return remember(fromScript);
      if (own.length >= definition.max_turns) return remember({ text: 'Sorry, I have to go now. Bye.', thenHangUp: true });
      const messages: LlmMessage[] = [{ role: 'system', content: instructions(definition.prompt ?? '') }];
      agentTurns.forEach((text, index) => {
        messages.push({ role: 'user', content: text });
        const mine = own[index];
        if (mine !== undefined && index < agentTurns.length - 1) messages.push({ role: 'assistant', content: mine });
      });
      let text = '';
      try {
        for await (const event of llm.provider.stream({ model: llm.model, messages, maxTokens: 120, temperature: 0.7 }, signal)) {
          if (event.type === 'text') text += event.text;
        }
      } catch {
        return null;
      }
      const thenHangUp = text.includes(hangUpMarker);
      const keyed = keysPattern.exec(text);
      if (keyed) return remember({ keys: keyed[1]!, thenHangUp });
      const spoken = text.replaceAll(hangUpMarker, '').trim();
      if (!spoken) return thenHangUp ? null : remember({ text: 'Sorry, could you say that again?' });
      return remember({ text: spoken, thenHangUp });
    },
  };

  function remember(reply: PersonaReply): PersonaReply {
    // The model reads its own keyed replies as what they were, so it does not think it said digits.
    own.push('text' in reply ? reply.text : `(pressed ${reply.keys} on the keypad)`);
    return reply;
  }
}
