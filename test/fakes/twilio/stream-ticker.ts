/**
 * One timer for every open stream of a fake Twilio. Each stream sends a frame every 20 ms; a
 * timer per stream would be 25 000 timers a second at 500 calls, and the fake, not Parley,
 * would become what a benchmark measures. Streams keep their own phase: on each tick a stream
 * runs every frame that has come due since its last one.
 */
export interface TickedStream {
  tick(): void;
}

export class StreamTicker {
  readonly #streams = new Set<TickedStream>();
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  readonly #recent: number[] = [];
  #next = 0;

  /** `periodMs`: how often due frames are looked for (a quarter of a frame keeps them within 5 ms of their slot). */
  constructor(private readonly periodMs: number) {}

  add(stream: TickedStream): void {
    this.#streams.add(stream);
    if (this.#timer) return;
    this.#last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#recordLateness(Math.max(0, now - this.#last - this.periodMs));
      this.#last = now;
      // After the event loop's I/O phase: when the fake itself ran late, what Parley sent in
      // the meantime is read before the frames that were due then are played, as Twilio,
      // whose reading never stalls, would have it.
      setImmediate(this.#runDue);
    }, this.periodMs);
  }

  readonly #runDue = (): void => {
    for (const each of this.#streams) each.tick();
  };

  /** How much later than its period the ticker ran, over the last few thousand ticks. */
  lateness(): { readonly p99Ms: number; readonly maxMs: number } {
    const recent = [...this.#recent].sort((a, b) => a - b);
    if (recent.length === 0) return { p99Ms: 0, maxMs: 0 };
    return { p99Ms: recent[Math.min(recent.length - 1, Math.floor(recent.length * 0.99))]!, maxMs: recent[recent.length - 1]! };
  }

  #recordLateness(ms: number): void {
    this.#recent[this.#next] = ms;
    this.#next = (this.#next + 1) % 4096;
  }

  delete(stream: TickedStream): void {
    this.#streams.delete(stream);
    if (this.#streams.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
