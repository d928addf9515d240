/**
 * Runs tasks one at a time per key, in the order they arrive; different keys run side by side.
 * A key with nothing waiting holds no memory.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Keys with a task running or waiting. */
  get busyKeys(): number {
    return this.tails.size;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
