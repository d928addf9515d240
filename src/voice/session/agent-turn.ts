/**
 * One agent turn on the voice lane: the conversation engine's words stream in, each sentence
 * goes to the TTS as soon as it is complete, and the turn lasts until the callee has heard the
 * last of it (its mark came back) or the callee cut in. Cut off, the turn aborts the LLM,
 * cancels the TTS, clears the carrier's buffer and keeps only the words the callee heard.
 * If nothing has been said a while into the turn, a filler ("One moment.") explains the wait.
 * Keys the engine presses (send_dtmf) play as tones in their place among the words.
 */
import type { AgentAction, BrainEvent, Conversation, ConversationTurn, Cue } from '../../brain/types.js';
import { SentenceSplitter } from '../../llm/sentences.js';
import { dtmfKeysPlayed } from '../../media/dtmf.js';
import type { SessionClock } from './clock.js';
import type { TurnTimer } from './latency.js';
import type { Playout, Segment, SegmentHooks } from './playout.js';
import type { SpeechOut } from './speech-out.js';

/** Speaking pace assumed for audio the TTS has not finished (65 ms a character, ~150 words a minute). */
const msPerCharEstimate = 65;

export interface AgentTurnDeps {
  readonly conversation: Conversation;
  readonly speech: SpeechOut;
  readonly playout: Playout;
  readonly clock: SessionClock;
  /** Resolves (with the clock time) once the line is up: silence only counts from there. */
  readonly lineReady: Promise<number>;
  /** Queues keys as tones after everything opened so far (undefined: refused and on record, nothing queued). */
  readonly pressKeys: (digits: string, hooks: SegmentHooks) => Segment | undefined;
  /**
   * Said before the engine's words, in full: the callee's speech does not cut it (the recording
   * disclosure). Only a hang-up, a machine or a failed voice stops it.
   */
  readonly preamble?: string;
  /** Tool calls, results and collected values, recorded by the session. */
  readonly onBrainEvent: (event: BrainEvent) => void;
  /** Said when the turn has produced no audio this long after it started (or the line came up). */
  readonly filler: { readonly afterMs: number; readonly text: string };
  /** The TTS produced no audio for a sentence this long: it is treated as failed. */
  readonly ttsStall: { readonly afterMs: number; readonly onStall: () => void };
  readonly signal: AbortSignal;
}

export interface AgentTurnResult {
  /** What the callee heard (all of it unless interrupted). */
  readonly text: string;
  readonly interrupted: boolean;
  /** What the engine asked for (acted on even when the turn was interrupted). */
  readonly actions: readonly AgentAction[];
  /**
   * Of each send_dtmf action, the keys still to press: its tones were cleared before they had
   * all played (the callee cut in over the words before them, the voice failed). Fully played
   * keys have no entry.
   */
  readonly keysLeft: ReadonlyMap<AgentAction, string>;
  /** Clock time of the first frame of the turn's own words, if any went out. */
  readonly startedAt: number | undefined;
  /** The preamble was played to the end (its mark came back). */
  readonly preambleHeard: boolean;
}

interface Spoken {
  readonly segment: Segment;
  /** The sentence, or the keys of tones. */
  readonly text: string;
  readonly kind: 'words' | 'filler' | 'tones';
}

export class AgentTurn {
  private readonly abort = new AbortController();
  private readonly spoken: Spoken[] = [];
  private interrupted = false;
  private finished = false;
  private heard: string | undefined;
  private onInterrupt!: () => void;
  private readonly interruptedPromise = new Promise<void>((resolve) => (this.onInterrupt = resolve));
  private readonly timers: (() => void)[] = [];
  private firstFrameAt: number | undefined;
  private readonly startedAt: number;
  private preamble: Segment | undefined;

  constructor(
    private readonly deps: AgentTurnDeps,
    private readonly turns: readonly ConversationTurn[],
    readonly cue: Cue,
    readonly latency: TurnTimer | undefined,
  ) {
    this.startedAt = deps.clock.now();
  }

  /** Whether any of this turn's audio has reached the carrier. */
  get audible(): boolean {
    return this.spoken.some((s) => s.segment.firstFrameAt !== undefined);
  }

  /** True while the preamble is still to be heard: the callee's speech does not interrupt the turn. */
  get shielded(): boolean {
    return this.preamble?.state === 'pending';
  }

  /**
   * Tones of this turn are on their way to the callee. The callee's voice does not cut them: a
   * phone menu keeps talking while keys are pressed, and a cut would clear keys already half
   * sent (a menu would hear "12" of "123#").
   */
  get pressingKeys(): boolean {
    return this.spoken.some((s) => s.kind === 'tones' && s.segment.state === 'pending' && s.segment.firstFrameAt !== undefined);
  }

  async run(): Promise<AgentTurnResult> {
    const { deps } = this;
    const onAbort = () => this.abort.abort();
    deps.signal.addEventListener('abort', onAbort, { once: true });
    void deps.lineReady.then((readyAt) => this.armFiller(readyAt));
    const splitter = new SentenceSplitter();
    const actions: AgentAction[] = [];
    const tones = new Map<AgentAction, Segment>();
    const preamble = deps.preamble?.trim();
    // Said at once, while the engine thinks; its words lead the turn's text.
    if (preamble) this.preamble = this.say(preamble);
    let text = preamble ? `${preamble} ` : '';
    let answered = false;
    try {
      for await (const event of deps.conversation.respond(this.turns, this.cue, this.abort.signal)) {
        if (this.interrupted || deps.signal.aborted) break;
        if (event.type === 'text') {
          if (!answered) this.latency?.mark('llm_first_token', deps.clock.now());
          answered = true;
          text += event.text;
          for (const sentence of splitter.push(event.text)) this.say(sentence);
        } else if (event.type === 'action') {
          actions.push(event.action);
          if (event.action.type === 'send_dtmf') {
            // The words before the key press are said before it, even a sentence still open.
            for (const sentence of splitter.flush()) this.say(sentence);
            const segment = this.press(event.action.digits);
            if (segment) tones.set(event.action, segment);
          }
        } else {
          deps.onBrainEvent(event);
        }
      }
      if (!this.interrupted) for (const sentence of splitter.flush()) this.say(sentence);
      await Promise.race([Promise.all(this.spoken.map((s) => s.segment.done)), this.interruptedPromise]);
    } finally {
      this.finished = true;
      deps.signal.removeEventListener('abort', onAbort);
      for (const cancel of this.timers) cancel();
    }
    const startedAt = this.spoken.find((s) => s.kind === 'words' && s.segment.firstFrameAt !== undefined)?.segment.firstFrameAt;
    return { text: this.interrupted ? (this.heard ?? '') : text.trim(), interrupted: this.interrupted, actions, keysLeft: keysLeft(actions, tones), startedAt, preambleHeard: this.preamble?.state === 'played' };
  }

  /**
   * Cuts the turn off now: works out what the callee heard, aborts the LLM, cancels the TTS and
   * clears the carrier. Returns the words heard.
   */
  interrupt(): string {
    if (this.interrupted) return this.heard ?? '';
    const now = this.deps.clock.now();
    this.interrupted = true;
    this.heard = this.spoken
      .filter((s) => s.kind === 'words')
      .map((s) => heardPrefix(s.text, this.deps.playout.heardMs(s.segment, now), s.segment.audioMs, s.segment.complete))
      .filter(Boolean)
      .join(' ');
    this.abort.abort();
    this.deps.speech.cancel();
    this.deps.playout.clear();
    this.onInterrupt();
    return this.heard;
  }

  private press(digits: string): Segment | undefined {
    if (this.interrupted) return undefined;
    const segment = this.deps.pressKeys(digits, { onFirstFrame: (at) => (this.firstFrameAt ??= at) });
    if (segment) this.spoken.push({ segment, text: digits, kind: 'tones' });
    return segment;
  }

  private say(sentence: string, filler = false): Segment | undefined {
    if (this.interrupted) return undefined;
    const { clock, ttsStall } = this.deps;
    const segment = this.deps.speech.say(`${sentence} `, {
      onFirstAudio: (at) => {
        if (!filler) this.latency?.mark('tts_first_byte', at);
      },
      onFirstFrame: (at) => {
        this.firstFrameAt ??= at;
        if (!filler) this.latency?.mark('first_audio', at);
      },
    });
    this.spoken.push({ segment, text: sentence, kind: filler ? 'filler' : 'words' });
    // A TTS that says nothing for a sentence is as bad as one that failed: the callee waits in silence.
    const check = (): void => {
      if (this.finished || this.interrupted || segment.state !== 'pending' || segment.startOffsetMs >= 0) return;
      if (this.deps.playout.stalledMs(clock.now()) >= ttsStall.afterMs) ttsStall.onStall();
      else this.timers.push(clock.setTimer(ttsStall.afterMs / 2, check));
    };
    this.timers.push(clock.setTimer(ttsStall.afterMs, check));
    return segment;
  }

  private armFiller(readyAt: number): void {
    const { clock, filler } = this.deps;
    if (this.finished || this.interrupted || this.firstFrameAt !== undefined) return;
    const since = Math.max(readyAt, this.startedAt);
    const wait = Math.max(0, filler.afterMs - Math.max(0, clock.now() - since));
    this.timers.push(
      clock.setTimer(wait, () => {
        if (this.finished || this.interrupted || this.abort.signal.aborted || this.spoken.length > 0) return;
        this.say(filler.text, true);
      }),
    );
  }
}

/** The keys of each send_dtmf action whose tones were cleared before they had all played (refused keys were never queued). */
function keysLeft(actions: readonly AgentAction[], tones: ReadonlyMap<AgentAction, Segment>): Map<AgentAction, string> {
  const left = new Map<AgentAction, string>();
  for (const action of actions) {
    if (action.type !== 'send_dtmf') continue;
    const segment = tones.get(action);
    if (!segment || segment.state === 'played') continue;
    const played = dtmfKeysPlayed(action.digits, segment.playedMs ?? 0);
    if (played.length < action.digits.length) left.set(action, action.digits.slice(played.length));
  }
  return left;
}

/**
 * The words of `text` heard in `heardMs` of its `audioMs` of audio: the audio is assumed to
 * spread evenly over the characters, and a word counts once its last letter was heard.
 */
export function heardPrefix(text: string, heardMs: number, audioMs: number, complete: boolean): string {
  if (heardMs <= 0) return '';
  const chars = [...text];
  const totalMs = complete && audioMs > 0 ? audioMs : Math.max(audioMs, chars.length * msPerCharEstimate);
  if (heardMs >= totalMs) return text.trim();
  const heardChars = Math.floor((chars.length * heardMs) / totalMs);
  const words: string[] = [];
  let index = 0;
  for (const match of text.matchAll(/\S+/g)) {
    const word = match[0];
    const letters = word.replace(/[^\p{L}\p{N}]+$/u, '');
    index = [...text.slice(0, match.index)].length + [...letters].length;
    if (index > heardChars) break;
    words.push(word);
  }
  return words.join(' ');
}
