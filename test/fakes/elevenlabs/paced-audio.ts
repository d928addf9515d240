/**
 * How the TTS fakes (ElevenLabs, Cartesia) send audio: per context, a queue of chunks with a
 * first-byte delay and a gap between chunks, stoppable at any point, so tests can land a
 * cancel mid-utterance and measure time to first byte.
 */

/** Pacing of a fake's audio; read again for every chunk, so tests may change it live. */
export interface AudioPacing {
  /** Delay from the first text of a context to its first chunk. Default 0. */
  firstByteDelayMs?: number;
  /** Gap between chunks. Default 0. */
  chunkIntervalMs?: number;
  /** Audio per chunk. Default 100 (800 bytes of μ-law). */
  chunkMs?: number;
}

/** One context's outgoing audio. */
export class PacedAudio {
  private readonly chunks: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private idleCallbacks: Array<() => void> = [];

  /** `send` returns false when the connection is gone, which stops the queue. */
  constructor(
    private readonly pacing: () => AudioPacing,
    private readonly send: (chunk: Buffer) => boolean,
  ) {}

  /** True while chunks wait to be sent. */
  get busy(): boolean {
    return this.chunks.length > 0 || this.timer !== undefined;
  }

  /** Queues audio, cut into chunks of `chunkMs`. */
  enqueue(audio: Buffer): void {
    if (this.stopped) return;
    const size = Math.max(1, Math.round((this.pacing().chunkMs ?? 100) * 8));
    for (let offset = 0; offset < audio.length; offset += size) this.chunks.push(audio.subarray(offset, offset + size));
    if (!this.timer) this.schedule();
  }

  /** Calls back once everything queued so far has gone out (now, when nothing is queued). */
  whenIdle(callback: () => void): void {
    if (!this.busy) callback();
    else this.idleCallbacks.push(callback);
  }

  /** Drops what is queued; nothing more is sent and idle callbacks never run. */
  stop(): void {
    this.stopped = true;
    this.chunks.length = 0;
    this.idleCallbacks = [];
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Lets `count` more chunks go out, then stops (audio already in flight at a cancel). */
  stopAfter(count: number): void {
    this.chunks.splice(count);
    this.idleCallbacks = [];
    if (count === 0) this.stop();
  }

  private schedule(): void {
    const pacing = this.pacing();
    const delay = this.started ? (pacing.chunkIntervalMs ?? 0) : (pacing.firstByteDelayMs ?? 0);
    this.started = true;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const chunk = this.chunks.shift();
      if (chunk === undefined || this.stopped) return;
      if (!this.send(chunk)) {
        this.stop();
        return;
      }
      if (this.chunks.length > 0) {
        this.schedule();
        return;
      }
      const callbacks = this.idleCallbacks;
      this.idleCallbacks = [];
      for (const callback of callbacks) callback();
    }, delay);
  }
}
