/** How long speech takes on the simulated network, scaled by PARLEY_SIM_SPEED. */

/** Spoken duration of a text at a words-per-minute pace (at least 300 ms for a word or two). */
export function speakingMs(text: string, wordsPerMinute: number): number {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  return Math.max(300, Math.round((words * 60_000) / wordsPerMinute));
}

/** A clock whose waits run `speed` times faster than real time. */
export interface SimClock {
  readonly speed: number;
  /** Milliseconds of simulated time since `start`. */
  elapsedMs(startRealMs: number): number;
  sleep(simulatedMs: number, signal?: AbortSignal): Promise<void>;
  setTimer(simulatedMs: number, fn: () => void): () => void;
}

export function createSimClock(speed: number): SimClock {
  return {
    speed,
    elapsedMs: (startRealMs) => Math.round((Date.now() - startRealMs) * speed),
    sleep: (simulatedMs, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = setTimeout(done, simulatedMs / speed);
        function done() {
          signal?.removeEventListener('abort', done);
          clearTimeout(timer);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      }),
    setTimer: (simulatedMs, fn) => {
      const timer = setTimeout(fn, simulatedMs / speed);
      return () => clearTimeout(timer);
    },
  };
}
