/**
 * The time a carrier's lines run on. A real carrier's lines run in real time; the simulated
 * network's run `speed` times faster (PARLEY_SIM_SPEED), and everything paced against a line
 * (a text lane's timers, a voice session's clock) follows it.
 */

/** A clock whose waits run `speed` times faster than real time. */
export interface LineClock {
  readonly speed: number;
  /** Milliseconds of line time since `startRealMs` (a Date.now() value). */
  elapsedMs(startRealMs: number): number;
  sleep(lineMs: number, signal?: AbortSignal): Promise<void>;
  setTimer(lineMs: number, fn: () => void): () => void;
}

export function createLineClock(speed: number): LineClock {
  return {
    speed,
    elapsedMs: (startRealMs) => Math.round((Date.now() - startRealMs) * speed),
    sleep: (lineMs, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = setTimeout(done, lineMs / speed);
        function done() {
          signal?.removeEventListener('abort', done);
          clearTimeout(timer);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      }),
    setTimer: (lineMs, fn) => {
      const timer = setTimeout(fn, lineMs / speed);
      return () => clearTimeout(timer);
    },
  };
}

/** Real time: the clock of every line that is not simulated. */
export const realLineClock: LineClock = createLineClock(1);
