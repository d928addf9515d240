/**
 * A single-consumer async queue: providers push events from socket callbacks, the session
 * reads them with `for await`. Shared by the STT and TTS streams (it belongs in a voice-wide
 * folder; it lives here because this folder owns the first users).
 */

/** Push side and AsyncIterable side of one stream's events. */
export class EventChannel<T> implements AsyncIterable<T> {
  private queue: T[] = [];
  private head = 0;
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private closed = false;
  private iterated = false;

  /** @param onReturn called once when the consumer stops reading early (break, throw). */
  constructor(private readonly onReturn?: () => void) {}

  /** True once `end` was called: pushes are ignored from then on. */
  get ended(): boolean {
    return this.closed;
  }

  /** Queues an event (or hands it to a waiting reader). Returns false after the end. */
  push(value: T): boolean {
    if (this.closed) return false;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      waiting({ value, done: false });
    } else {
      this.queue.push(value);
    }
    return true;
  }

  /** Ends the stream: queued events are still read, then iteration completes. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      waiting({ value: undefined, done: true });
    }
  }

  /** Drops queued events that were not read yet (barge-in), except those `keep` accepts. */
  clear(keep?: (value: T) => boolean): void {
    this.queue = keep ? this.queue.slice(this.head).filter(keep) : [];
    this.head = 0;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new Error('EventChannel has a single consumer');
    this.iterated = true;
    return {
      next: () => {
        if (this.head < this.queue.length) {
          const value = this.queue[this.head++]!;
          if (this.head === this.queue.length) {
            this.queue = [];
            this.head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiting = resolve;
        });
      },
      return: () => {
        const early = !this.closed;
        this.end();
        this.clear();
        if (early) this.onReturn?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
