/** Who answers a simulated call: scripted personas, registered per number or the cooperative default. */
import { z } from 'zod';

/** Keys a persona presses instead of answering in words: `{"dtmf": "1234#"}`. */
export const keypadReply = z.strictObject({
  dtmf: z.string().regex(/^[0-9*#]{1,32}$/, 'dtmf is 1-32 keypad keys: 0-9, * and #'),
});

export const personaDefinition = z.object({
  /** Replies in order, one per agent turn: words to say, or `{"dtmf": "1234#"}` to press keys. */
  replies: z.array(z.union([z.string().min(1).max(2000), keypadReply])).max(100).default([]),
  /** What the persona does once its replies run out. */
  after_replies: z.enum(['hang_up', 'silence']).default('hang_up'),
  /** Said as soon as the call is answered, before the agent speaks (on the audio lane, after 300 ms of the line's quiet). */
  opening: z.string().max(2000).nullish(),
  /** Speaking pace of the persona. */
  words_per_minute: z.number().int().min(60).max(400).default(170),
  /** Pause between the agent's last word and the persona's reply. */
  response_delay_ms: z.number().int().min(0).max(10_000).default(700),
  /**
   * Makes the persona LLM-driven: who the callee is and what they want. The server's model
   * answers as that person; scripted `replies`, if any, are used first.
   */
  prompt: z.string().min(1).max(10_000).nullish(),
  /** With a prompt: the most turns the persona takes before it says goodbye and hangs up. */
  max_turns: z.number().int().min(1).max(50).default(8),
  /**
   * Answering machines only (a number ending in 3, audio lane): the quiet between the recorded
   * greeting and its beep. A long one tries a message that starts before a late beep.
   */
  machine_beep_after_ms: z.number().int().min(0).max(10_000).default(600),
  /**
   * Audio lane only (PARLEY_SIM_AUDIO=1): the persona talks over the agent's `agent_turn`-th
   * utterance once it has heard `after_ms` of it, saying its reply to that turn (a barge-in).
   */
  barge_in: z
    .object({
      agent_turn: z.number().int().min(1).max(100).default(1),
      after_ms: z.number().int().min(0).max(60_000).default(800),
    })
    .nullish(),
});
export type PersonaDefinition = z.infer<typeof personaDefinition>;

/** The persona on every number that has none registered: agreeable, brief, then says goodbye. */
export const cooperativePersona: PersonaDefinition = personaDefinition.parse({
  replies: ['Yes, that works for me.', "No, that's everything. Thank you!", 'Okay, bye now.'],
  after_replies: 'hang_up',
});

/** The answering machine behind numbers ending in 3. */
export const answeringMachineGreeting =
  "Hi, you've reached my voicemail. I can't take your call right now. Please leave a message after the tone.";

/**
 * What the persona does next: words to say or keys to press on the keypad (and whether it then
 * hangs up); a persona's `reply` gives null to hang up or stay silent.
 */
export type PersonaReply =
  | { readonly text: string; readonly thenHangUp?: boolean }
  | { readonly keys: string; readonly thenHangUp?: boolean };

export interface Persona {
  readonly definition: PersonaDefinition;
  /** `agentTurns` holds everything the agent has said so far, in order. */
  reply(agentTurns: readonly string[], signal: AbortSignal): Promise<PersonaReply | null>;
}

export function scriptedPersona(definition: PersonaDefinition): Persona {
  return {
    definition,
    reply: async (agentTurns) => {
      const reply = definition.replies[agentTurns.length - 1];
      if (reply === undefined) return null;
      return typeof reply === 'string' ? { text: reply } : { keys: reply.dtmf };
    },
  };
}

/** Finds the persona registered for a callee number in an organisation. */
export type PersonaLookup = (orgId: string, number: string) => Promise<Persona | undefined>;
