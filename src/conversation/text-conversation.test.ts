/** The text-lane conversation loop on a fake clock: turns, actions, silence and inactivity timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AsyncQueue } from '../shared/async-queue.js';
import type { BrainEvent, Conversation, ConversationTurn, Cue } from '../brain/types.js';
import type { TextLine, TextLineEvent } from '../telephony/types.js';
import type { CallEnd } from './outcome.js';
import { runTextConversation, type ConversationHooks } from './text-conversation.js';

class FakeLine implements TextLine {
  readonly mode = 'text' as const;
  readonly queue = new AsyncQueue<TextLineEvent>();
  readonly said: string[] = [];
  hungUp = false;
  get events() {
    return this.queue;
  }
  async say(text: string) {
    this.said.push(text);
    return { heard: text, interrupted: false };
  }
  hangUp() {
    this.hungUp = true;
    this.queue.end();
  }
}

function scriptedConversation(reply: (cue: Cue, turns: readonly ConversationTurn[]) => BrainEvent[]): Conversation & { cues: Cue[] } {
  const cues: Cue[] = [];
  return {
    cues,
    firstSpeaker: 'agent',
    async *respond(turns, cue) {
      cues.push(cue);
      yield* reply(cue, turns);
    },
  };
}

function hooks(): ConversationHooks & { turns: ConversationTurn[]; ends: CallEnd[] } {
  const start = Date.now();
  const turns: ConversationTurn[] = [];
  const ends: CallEnd[] = [];
  return {
    turns,
    ends,
    now: () => Date.now() - start,
    sleep: (ms, signal) => new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    }),
    onTurn: async (turn) => void turns.push(turn),
    transfer: async () => ({ connected: false, outcome: 'refused' }),
    onBrainEvent: async () => {},
    onAction: async () => {},
    onEnding: (end) => void ends.push(end),
  };
}

const timers = { silenceRepromptMs: 5_000, inactivityTimeoutMs: 12_000, wrapUpAtMs: 0, responseDelayMs: 0 };

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('runTextConversation', () => {
  it('keeps no agent turn for words cut before any was said (the callee hung up as the agent began)', async () => {
    const line = new FakeLine();
    line.say = async (text: string) => {
      line.said.push(text);
      if (text.startsWith('Sorry')) {
        line.hangUp();
        return { heard: '', interrupted: true };
      }
      return { heard: text, interrupted: false };
    };
    const conversation = scriptedConversation((cue) => (cue.type === 'start' ? [{ type: 'text', text: 'Hello!' }] : [{ type: 'text', text: 'Sorry, one more thing.' }]));
    const h = hooks();
    const run = runTextConversation(line, conversation, timers, h, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(10);
    line.queue.push({ type: 'contact_said', text: 'Hi.', durationMs: 500 });
    await run;
    expect(h.turns.map((turn) => `${turn.role}:${turn.text}`)).toEqual(['agent:Hello!', 'contact:Hi.']);
  });

  it('greets, answers each contact turn, and hangs up on end_call with the reason known first', async () => {
    const line = new FakeLine();
    const conversation = scriptedConversation((cue) =>
      cue.type === 'start' ? [{ type: 'text', text: 'Hello!' }] : [{ type: 'text', text: 'Bye.' }, { type: 'action', action: { type: 'end_call', reason: 'done' } }],
    );
    const h = hooks();
    const run = runTextConversation(line, conversation, timers, h, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(10);
    line.queue.push({ type: 'contact_said', text: 'Hi there.', durationMs: 800 });
    const end = await run;
    expect(line.said).toEqual(['Hello!', 'Bye.']);
    expect(h.turns.map((turn) => `${turn.role}:${turn.text}`)).toEqual(['agent:Hello!', 'contact:Hi there.', 'agent:Bye.']);
    expect(end).toMatchObject({ reason: 'agent_ended' });
    expect(h.ends).toEqual([end]);
    expect(line.hungUp).toBe(true);
  });

  it('re-prompts after the silence timeout and ends for inactivity, whatever the goodbye adds', async () => {
    const line = new FakeLine();
    const conversation = scriptedConversation((cue) => {
      if (cue.type === 'start') return [{ type: 'text', text: 'Hello?' }];
      if (cue.type === 'silence') return [{ type: 'text', text: 'Are you there?' }];
      return [{ type: 'text', text: 'Goodbye.' }, { type: 'action', action: { type: 'end_call', reason: 'bye' } }];
    });
    const run = runTextConversation(line, conversation, timers, hooks(), new AbortController().signal);
    await vi.advanceTimersByTimeAsync(12_100);
    const end = await run;
    expect(conversation.cues.map((cue) => cue.type)).toEqual(['start', 'silence', 'silence', 'wrap_up']);
    expect(end.reason).toBe('inactivity');
    expect(line.said.at(-1)).toBe('Goodbye.');
  });

  it('passes keypresses to the engine and ends when the contact hangs up', async () => {
    const line = new FakeLine();
    const conversation = scriptedConversation((cue) => (cue.type === 'dtmf' ? [{ type: 'text', text: `You pressed ${cue.digits}.` }] : []));
    const run = runTextConversation(line, conversation, timers, hooks(), new AbortController().signal);
    line.queue.push({ type: 'dtmf', digits: '1' });
    await vi.advanceTimersByTimeAsync(10);
    line.queue.push({ type: 'hangup' });
    expect(await run).toMatchObject({ reason: 'contact_hung_up' });
    expect(line.said).toEqual(['You pressed 1.']);
  });

  it('keeps a keypad entry on the transcript as a keyed contact turn the engine sees', async () => {
    const line = new FakeLine();
    const seen: ConversationTurn[][] = [];
    const conversation = scriptedConversation((cue, turns) => {
      seen.push([...turns]);
      return cue.type === 'dtmf' ? [{ type: 'text', text: 'Thanks.' }] : [];
    });
    const recorded = hooks();
    const run = runTextConversation(line, conversation, timers, recorded, new AbortController().signal);
    line.queue.push({ type: 'dtmf', digits: '0123#' });
    await vi.advanceTimersByTimeAsync(10);
    line.queue.push({ type: 'hangup' });
    await run;
    expect(seen.at(-1)!.at(-1)).toMatchObject({ role: 'contact', text: '0123#', input: 'keypad' });
    expect(recorded.turns.map(({ role, text, input }) => ({ role, text, input }))).toEqual([
      { role: 'contact', text: '0123#', input: 'keypad' },
      { role: 'agent', text: 'Thanks.', input: undefined },
    ]);
  });
});
