/** A single-consumer async queue of frames: the socket pushes as messages arrive, the session pulls. */
import type { Frame } from '../../media/frames.js';

/** Frames in arrival order; iteration ends once the queue is closed and drained. */
export class FrameQueue implements AsyncIterable<Frame> {
  #items: Frame[] = [];
  #waiter: ((result: IteratorResult<Frame>) => void) | undefined;
  #closed = false;

  /** Whether no more frames will arrive. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Hands the frame to a waiting reader, or queues it; ignored once closed. */
  push(frame: Frame): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter({ value: frame, done: false });
    } else {
      this.#items.push(frame);
    }
  }

  /** Ends iteration after the frames already queued. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    return {
      next: () => {
        const item = this.#items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.#waiter = resolve;
        });
      },
      return: () => {
        this.close();
        this.#items = [];
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
