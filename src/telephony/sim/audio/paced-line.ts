/**
 * An in-process phone line that paces like Twilio Media Streams: every 20 ms it delivers one
 * inbound frame (the callee's queued audio, else silence) and plays one outbound frame through
 * a Twilio-like carrier buffer (marks echoed when played, clear honoured, gaps counted). One
 * `LineTicker` drives any number of lines from a single timer, as a carrier's media servers
 * would, so benchmarks can load hundreds of voice sessions without a network fake in the way.
 */
import { AsyncQueue } from '../../../shared/async-queue.js';
import { FRAME_BYTES, FRAME_DURATION_MS, type Frame } from '../../../media/frames.js';
import { MULAW_SILENCE } from '../../../media/mulaw.js';
import type { AudioLine } from '../../../media/audio-line.js';
import { CarrierBuffer } from './carrier-buffer.js';

const silence = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);

export interface PacedLineHooks {
  /** Each outbound frame as the callee hears it (null: nothing was playing), at line time `atMs`. */
  onPlayed?(frame: Buffer | null, atMs: number): void;
  /** The session sent a frame (audio, mark or clear). */
  onSent?(frame: Frame): void;
  /** An inbound frame went out; `speech` says whether it carried the callee's audio. */
  onDelivered?(speech: boolean, atMs: number): void;
  onHangUp?(): void;
}

export class PacedLine implements AudioLine {
  readonly mode = 'audio' as const;
  readonly buffer: CarrierBuffer;
  private readonly queue = new AsyncQueue<Frame>();
  private speech: Buffer = Buffer.alloc(0);
  private speechOffset = 0;
  private ended = false;

  constructor(private readonly hooks: PacedLineHooks = {}) {
    this.buffer = new CarrierBuffer((name) => this.queue.push({ kind: 'mark', name }));
  }

  get frames(): AsyncIterable<Frame> {
    return this.queue;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** True while the callee still has audio queued. */
  get calleeSpeaking(): boolean {
    return this.speechOffset < this.speech.length;
  }

  send(frame: Frame): void {
    if (this.ended) return;
    this.hooks.onSent?.(frame);
    this.buffer.accept(frame);
  }

  /** The callee says `audio` (μ-law), from the next frame on. */
  say(audio: Buffer): void {
    this.speech = Buffer.concat([this.speech.subarray(this.speechOffset), audio]);
    this.speechOffset = 0;
  }

  hangUp(): void {
    if (this.end()) this.hooks.onHangUp?.();
  }

  /** The far end hangs up (or the benchmark stops): the session sees the end of the stream. */
  end(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.queue.push({ kind: 'end', reason: 'hangup' });
    this.queue.end();
    return true;
  }

  /** One 20 ms step at line time `atMs`: deliver the callee's next frame, play the agent's next frame. */
  step(atMs: number): void {
    if (this.ended) return;
    let payload: Buffer = silence;
    const speaking = this.speechOffset < this.speech.length;
    if (speaking) {
      payload = this.speech.subarray(this.speechOffset, this.speechOffset + FRAME_BYTES);
      if (payload.length < FRAME_BYTES) payload = Buffer.concat([payload, silence.subarray(payload.length)]);
      this.speechOffset += FRAME_BYTES;
    }
    this.queue.push({ kind: 'audio', payload, timestampMs: atMs });
    this.hooks.onDelivered?.(speaking, atMs);
    this.hooks.onPlayed?.(this.buffer.play(), atMs);
  }
}

/** Drives lines every 20 ms from one timer, catching up (never skipping) frames when it runs late. */
export class LineTicker {
  private readonly lines = new Set<PacedLine>();
  private timer: NodeJS.Timeout | undefined;
  private origin = 0;
  private steps = 0;
  /** How late each tick ran, in ms (for the benchmark's own health). */
  readonly lateness: number[] = [];

  add(line: PacedLine): void {
    this.lines.add(line);
    if (!this.timer) {
      this.origin = performance.now();
      this.steps = 0;
      this.schedule();
    }
  }

  delete(line: PacedLine): void {
    this.lines.delete(line);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const nextAt = this.origin + (this.steps + 1) * FRAME_DURATION_MS;
    this.timer = setTimeout(this.tick, Math.max(0, nextAt - performance.now()));
  }

  private readonly tick = (): void => {
    const now = performance.now();
    const due = Math.floor((now - this.origin) / FRAME_DURATION_MS);
    while (this.steps < due) {
      this.steps++;
      const atMs = this.steps * FRAME_DURATION_MS;
      this.lateness.push(now - (this.origin + atMs));
      for (const line of this.lines) {
        if (line.closed) this.lines.delete(line);
        else line.step(atMs);
      }
    }
    if (this.lines.size > 0) this.schedule();
    else this.timer = undefined;
  };
}
