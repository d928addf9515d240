/** The model's view of the call: transcript turns as chat messages, with notes for what the transcript cannot say. */
import type { LlmMessage } from '../../llm/types.js';
import type { ConversationTurn, Cue, Speaker } from '../types.js';
import { NOTE_OPEN } from './instructions.js';

/** Tool calls and results of an earlier reply, kept so later replies know what the tools said. */
export interface ToolExchange {
  /** How many transcript turns there were when the exchange happened: it goes after them. */
  readonly afterTurns: number;
  readonly messages: readonly LlmMessage[];
}

const note = (text: string): string => `${NOTE_OPEN}${text}]`;

const seconds = (ms: number): number => Math.max(1, Math.round(ms / 1000));

/** Keys the person pressed, spelled one by one so the model reads "0 1 2 3 #" as keys, not a quantity. */
const keypadNote = (keys: string): string => note(`The person pressed these keys on their phone keypad: ${[...keys].join(' ')}`);

/** What the cue asks of the model, as a note after the transcript; null when the last turn says it all. */
export function cueNote(cue: Cue): string | null {
  switch (cue.type) {
    case 'start':
      return note('You speak first. Greet the person and say why you are calling.');
    case 'contact_turn':
      return null;
    case 'silence':
      return note(`The person has said nothing for ${seconds(cue.silentForMs)} seconds. Briefly check that they are still there, or gently pick the conversation back up.`);
    case 'dtmf':
      return keypadNote(cue.digits);
    case 'wrap_up':
      return note(
        cue.reason === 'max_duration'
          ? 'The call has reached its time limit. Say a brief, polite goodbye in one or two sentences. Do not ask anything.'
          : 'The person has been silent for a long time. Say a brief, polite goodbye in one sentence. Do not ask anything.',
      );
    case 'transfer_failed':
      return note(
        `You tried to transfer the call to ${cue.to} but it did not connect (${cue.outcome.replace('_', ' ')}). ` +
          'You are back on the line with the person: tell them briefly, then carry on helping them or offer a callback.',
      );
    case 'voicemail':
      return note(
        'You reached voicemail and the beep has sounded. Say only the message to leave: who you are, why you called and how to reach you back, in under 30 seconds.',
      );
  }
}

/** Appends a plain text message, joining it to the previous one of the same role. */
function pushText(messages: LlmMessage[], role: 'user' | 'assistant', text: string): void {
  const last = messages.at(-1);
  if (last && last.role === role && !(last.role === 'assistant' && last.toolCalls?.length)) {
    messages[messages.length - 1] = { role, content: `${last.content}${role === 'user' ? '\n' : ' '}${text}` };
  } else {
    messages.push({ role, content: text });
  }
}

/** Everything the message list is built from. */
export interface MessagesInput {
  readonly system: string;
  readonly firstSpeaker: Speaker;
  readonly turns: readonly ConversationTurn[];
  readonly history: readonly ToolExchange[];
  readonly cue: Cue;
}

/**
 * System prompt, a note that the call connected (so every provider sees a user turn first),
 * then the transcript with earlier tool exchanges in place. An interrupted agent turn keeps only
 * what was heard, and the next user message says so.
 */
export function buildMessages(input: MessagesInput): LlmMessage[] {
  const messages: LlmMessage[] = [{ role: 'system', content: input.system }];
  pushText(messages, 'user', note(`The call connected.${input.firstSpeaker === 'contact' ? ' The person speaks first.' : ''}`));
  let pendingNote: string | null = null;
  const addExchanges = (afterTurns: number): void => {
    for (const exchange of input.history) if (exchange.afterTurns === afterTurns) messages.push(...exchange.messages);
  };
  input.turns.forEach((turn, index) => {
    addExchanges(index);
    if (turn.role === 'contact') {
      // A keypad entry stays in the history as what it was, so the model still knows it turns later.
      const said = turn.input === 'keypad' ? keypadNote(turn.text) : turn.text;
      pushText(messages, 'user', pendingNote ? `${pendingNote}\n${said}` : said);
      pendingNote = null;
      return;
    }
    const heard = turn.text.trim();
    if (heard) pushText(messages, 'assistant', heard);
    if (turn.interrupted) {
      pendingNote = note(
        heard
          ? 'The person interrupted you; they heard only the part of your reply shown above.'
          : 'The person interrupted you before they heard any of your reply.',
      );
    }
  });
  addExchanges(input.turns.length);
  // A keypad cue's entry is the last turn, already shown; a lane that recorded none still gets the note.
  const entryShown = input.cue.type === 'dtmf' && input.turns.at(-1)?.input === 'keypad';
  const last = [pendingNote, entryShown ? null : cueNote(input.cue)].filter((text): text is string => text !== null);
  if (last.length > 0) pushText(messages, 'user', last.join('\n'));
  return messages;
}
