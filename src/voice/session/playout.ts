/**
 * The agent's outbound audio on one call. TTS audio of any chunking becomes exact 20 ms frames;
 * each utterance segment (a sentence) is followed by a mark. Frames go out a little ahead of
 * real time, topped up by the shared pacer: when the carrier's buffer falls to `leadMs`, the
 * playout refills it by `batchMs` in one message, so the carrier never runs dry and a call
 * costs a few socket writes a second rather than fifty. A barge-in can only ever drop what is
 * buffered (the carrier's `clear` empties it). The playout models the carrier's buffer (what was sent
 * and is still to play) and corrects it with every echoed mark, which is how it knows what the
 * callee actually heard when the agent is cut off.
 */
import { FRAME_BYTES, FRAME_DURATION_MS } from '../../media/frames.js';
import { FrameChunker } from '../audio/frame-chunker.js';
import type { AudioLine } from '../../media/audio-line.js';
import type { SessionClock } from './clock.js';
import type { FramePacer, Pumpable } from './pacer.js';
import { defaultTuning } from './types.js';

/** One sentence of agent speech, from the TTS to the callee's ear. */
export interface Segment {
  /** Also the name of the mark that follows its audio. */
  readonly id: string;
  readonly text: string;
  /** Where its audio starts on the outbound timeline (-1 until the first audio). */
  startOffsetMs: number;
  /** Audio received so far (whole frames, the last one padded). */
  audioMs: number;
  /** The TTS has delivered all of it. */
  complete: boolean;
  state: 'pending' | 'played' | 'cleared';
  /** When its first frame went to the carrier. */
  firstFrameAt: number | undefined;
  /** How much of its audio the callee had heard when it settled (all of it when played; undefined while pending). */
  playedMs: number | undefined;
  /** Settles when the callee has heard all of it, or it was dropped: a clear, or the line ending. */
  readonly done: Promise<'played' | 'cleared'>;
}

/** What a segment's owner wants to know as it moves. */
export interface SegmentHooks {
  onFirstAudio?(at: number): void;
  onFirstFrame?(at: number): void;
}

interface SegmentState extends Segment {
  readonly hooks: SegmentHooks;
  /** Audio known when it was opened (tones): it is queued once every segment before it is complete. */
  readonly whole: Buffer | undefined;
  settle(state: 'played' | 'cleared', playedMs: number): void;
}

type Item = { readonly segment: SegmentState; readonly payload: Buffer; readonly queuedAt: number } | { readonly segment: SegmentState; readonly payload: null };

export interface PlayoutOptions {
  readonly clock: SessionClock;
  readonly pacer: FramePacer;
  /**
   * Audio kept buffered at the carrier: what rides out a stall of this process or of the path to
   * the carrier. It costs no latency (the first frame leaves at once) and no barge-in accuracy
   * (a clear empties it; marks say what was heard).
   */
  readonly leadMs?: number;
  /** How much one top-up adds above the lead, sent as one audio frame (whole 20 ms frames). */
  readonly batchMs?: number;
  /** A mark not echoed this long after its audio should have played counts as played (a line that drops marks). */
  readonly markGraceMs?: number;
  /** Each frame sent, with how late it went out (ms after it was due). */
  readonly onFrame?: (latenessMs: number) => void;
}

export class Playout implements Pumpable {
  private line: AudioLine | undefined;
  /** Frames gathered by one pump for one message; kept, since the pacer pumps every call every tick. */
  private readonly batch: Buffer[] = [];
  private readonly chunker = new FrameChunker();
  private queue: Item[] = [];
  private head = 0;
  /** Segments waiting for TTS audio, oldest first: TTS output arrives in this order. */
  private awaiting: SegmentState[] = [];
  /** When the oldest awaiting segment became the one the TTS owes audio for. */
  private headSince = 0;
  private readonly inFlight = new Map<string, SegmentState>();
  private bufferedUntil = 0;
  private sentMs = 0;
  private enqueuedMs = 0;
  private count = 0;
  private readonly leadMs: number;
  private readonly batchMs: number;
  private readonly markGraceMs: number;
  private readonly graceTimers = new Set<() => void>();

  constructor(private readonly options: PlayoutOptions) {
    this.leadMs = options.leadMs ?? defaultTuning.leadMs;
    this.batchMs = Math.max(FRAME_DURATION_MS, options.batchMs ?? 100);
    this.markGraceMs = options.markGraceMs ?? 1500;
  }

  /** Starts sending to the carrier (audio synthesised before, e.g. the greeting, goes at once). */
  attach(line: AudioLine): void {
    this.line = line;
    this.bufferedUntil = this.options.clock.now();
    this.kick();
  }

  /**
   * Stops sending (the line ended): nothing more will be heard, so every open segment settles as
   * cleared. Whoever waits on one (a turn, tones) would otherwise wait for good, and the session
   * with them.
   */
  detach(): void {
    const now = this.options.clock.now();
    this.dropAll(now);
    this.bufferedUntil = now;
    this.line = undefined;
    this.options.pacer.delete(this);
    for (const cancel of this.graceTimers) cancel();
    this.graceTimers.clear();
  }

  /** Opens the next segment; its audio is whatever the TTS delivers next. */
  open(text: string, hooks: SegmentHooks = {}): Segment {
    return this.add(text, hooks, undefined);
  }

  /**
   * Opens a segment whose audio is all known now (DTMF tones). It plays in its place: after
   * every segment opened before it, before any opened after; TTS audio never goes to it.
   */
  openWhole(text: string, audio: Buffer, hooks: SegmentHooks = {}): Segment {
    const segment = this.add(text, hooks, audio);
    this.queueWhole();
    return segment;
  }

  private add(text: string, hooks: SegmentHooks, whole: Buffer | undefined): SegmentState {
    let settle!: (state: 'played' | 'cleared') => void;
    const done = new Promise<'played' | 'cleared'>((resolve) => (settle = resolve));
    const segment: SegmentState = {
      id: `s${++this.count}`, text, startOffsetMs: -1, audioMs: 0, complete: false, state: 'pending', firstFrameAt: undefined,
      playedMs: undefined, done, hooks, whole,
      settle: (state, playedMs) => {
        if (segment.state !== 'pending') return;
        segment.playedMs = playedMs;
        segment.state = state;
        settle(state);
      },
    };
    if (this.awaiting.length === 0) this.headSince = this.options.clock.now();
    this.awaiting.push(segment);
    return segment;
  }

  /** Queues the whole-audio segments now at the head of the line, so `awaiting[0]` is always owed TTS audio. */
  private queueWhole(): void {
    for (let whole = this.awaiting[0]?.whole; whole; whole = this.awaiting[0]?.whole) {
      this.audio(whole);
      this.complete();
    }
  }

  /** TTS audio for the oldest open segment (dropped when none is open: audio from before a clear). */
  audio(payload: Buffer): void {
    const segment = this.awaiting[0];
    if (!segment) return;
    const now = this.options.clock.now();
    if (segment.startOffsetMs < 0) {
      segment.startOffsetMs = this.enqueuedMs;
      segment.hooks.onFirstAudio?.(now);
    }
    for (const frame of this.chunker.push(payload)) this.enqueue(segment, frame, now);
    this.kick();
  }

  /** The TTS delivered all of the oldest open segment: pad its last frame and mark its end. */
  complete(): void {
    const segment = this.awaiting.shift();
    if (!segment) return;
    const now = this.options.clock.now();
    this.headSince = now;
    if (segment.startOffsetMs < 0) segment.startOffsetMs = this.enqueuedMs;
    const last = this.chunker.flush();
    if (last) this.enqueue(segment, last, now);
    segment.complete = true;
    this.queue.push({ segment, payload: null });
    this.queueWhole();
    this.kick();
  }

  /** An echoed mark: everything before it has been heard. Returns false for marks it did not send. */
  onMark(name: string, resync = true): boolean {
    const segment = this.inFlight.get(name);
    if (!segment) return false;
    this.inFlight.delete(name);
    // The carrier has played up to the end of this segment by now, so it holds at most what was
    // sent after it. Only ever lower the model: an echo that arrives late (a slow network, a busy
    // carrier) must not make the playout believe more is buffered and refill too late.
    const end = segment.startOffsetMs + segment.audioMs;
    const now = this.options.clock.now();
    if (resync && this.sentMs >= end) this.bufferedUntil = Math.min(this.bufferedUntil, now + (this.sentMs - end));
    for (const [earlier, other] of this.inFlight) {
      if (other.startOffsetMs + other.audioMs <= end) {
        this.inFlight.delete(earlier);
        other.settle('played', other.audioMs);
      }
    }
    segment.settle('played', segment.audioMs);
    return true;
  }

  /** Milliseconds of `segment` the callee has heard by `now` (all of it once its mark came back). */
  heardMs(segment: Segment, now = this.options.clock.now()): number {
    if (segment.state === 'played') return segment.audioMs;
    if (segment.startOffsetMs < 0) return 0;
    const played = this.sentMs - Math.max(0, this.bufferedUntil - now);
    return Math.min(segment.audioMs, Math.max(0, played - segment.startOffsetMs));
  }

  /**
   * Barge-in: drops everything not yet played, here and at the carrier (an interruption frame,
   * Twilio's `clear`); every unfinished segment settles as cleared, with what was heard of it.
   */
  clear(): void {
    const now = this.options.clock.now();
    const played = this.sentMs - Math.max(0, this.bufferedUntil - now);
    const hadAudio = this.bufferedUntil > now || this.inFlight.size > 0;
    this.dropAll(now);
    this.sentMs = played;
    this.enqueuedMs = played;
    this.bufferedUntil = now;
    this.options.pacer.delete(this);
    if (hadAudio) this.line?.send({ kind: 'interruption' });
  }

  /** Settles every unfinished segment as cleared (with what the callee heard of it by `now`) and forgets them. */
  private dropAll(now: number): void {
    const open = new Set([...this.inFlight.values(), ...this.queue.slice(this.head).map((item) => item.segment), ...this.awaiting]);
    for (const segment of open) segment.settle('cleared', this.heardMs(segment, now));
    this.queue = [];
    this.head = 0;
    this.awaiting = [];
    this.inFlight.clear();
    this.chunker.reset();
  }

  /** How long the TTS has owed the next segment its first audio (0 when it owes nothing). */
  stalledMs(now = this.options.clock.now()): number {
    const head = this.awaiting[0];
    return head && head.startOffsetMs < 0 ? now - this.headSince : 0;
  }

  /** True while the agent has anything left to say or play. */
  busy(now = this.options.clock.now()): boolean {
    return this.awaiting.length > 0 || this.head < this.queue.length || this.inFlight.size > 0 || this.bufferedUntil > now;
  }

  pump(now: number): boolean {
    const line = this.line;
    if (!line) return false;
    // Refill only once the carrier's buffer is down to the lead, then by a whole batch.
    const refill = this.bufferedUntil - now < this.leadMs + this.options.pacer.tickMs;
    const fillTo = this.leadMs + this.batchMs;
    const batch = this.batch;
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      if (item.payload === null) {
        this.sendAudio(line, batch);
        line.send({ kind: 'mark', name: item.segment.id });
        this.inFlight.set(item.segment.id, item.segment);
        this.armGrace(item.segment, now);
        this.head++;
        continue;
      }
      if (!refill || this.bufferedUntil - now >= fillTo) break;
      const playAt = Math.max(this.bufferedUntil, now);
      // Due when the carrier's buffer fell to the lead, or when the audio arrived if later.
      const dueAt = Math.max(item.queuedAt, this.bufferedUntil - this.leadMs);
      this.bufferedUntil = playAt + FRAME_DURATION_MS;
      this.sentMs += FRAME_DURATION_MS;
      batch.push(item.payload);
      this.options.onFrame?.(Math.max(0, now - dueAt));
      if (item.segment.firstFrameAt === undefined) {
        item.segment.firstFrameAt = now;
        item.segment.hooks.onFirstFrame?.(now);
      }
      this.head++;
    }
    this.sendAudio(line, batch);
    if (this.head >= 256 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return this.head < this.queue.length;
  }

  /** Sends the frames gathered so far as one audio frame, and empties `frames`. */
  private sendAudio(line: AudioLine, frames: Buffer[]): void {
    if (frames.length === 0) return;
    line.send({ kind: 'audio', payload: frames.length === 1 ? frames[0]! : Buffer.concat(frames) });
    frames.length = 0;
  }

  private enqueue(segment: SegmentState, payload: Buffer, now: number): void {
    if (payload.length !== FRAME_BYTES) return;
    this.queue.push({ segment, payload, queuedAt: now });
    segment.audioMs += FRAME_DURATION_MS;
    this.enqueuedMs += FRAME_DURATION_MS;
  }

  private kick(): void {
    if (!this.line) return;
    if (this.pump(this.options.clock.now())) this.options.pacer.add(this);
  }

  private armGrace(segment: SegmentState, now: number): void {
    const cancel = this.options.clock.setTimer(Math.max(0, this.bufferedUntil - now) + this.markGraceMs, () => {
      this.graceTimers.delete(cancel);
      if (this.inFlight.get(segment.id) === segment) this.onMark(segment.id, false);
    });
    this.graceTimers.add(cancel);
  }
}
