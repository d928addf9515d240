/**
 * The time a voice session runs on. Real calls use the monotonic wall clock; simulated calls a
 * speed-scaled one (PARLEY_SIM_SPEED); tests may drive either with vitest's fake timers, since
 * both read the global `performance.now()` and `setTimeout` at call time.
 */
import type { LineClock } from '../../media/line-clock.js';

export interface SessionClock {
  /** Milliseconds on this clock (monotonic; only differences mean anything). */
  now(): number;
  /** Calls `fn` after `ms` of this clock's time; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
  /** How many of this clock's milliseconds pass per real millisecond (1 for real calls). */
  readonly speed: number;
}

/** Wall-clock time (performance.now). */
export function realClock(): SessionClock {
  return {
    speed: 1,
    now: () => performance.now(),
    setTimer(ms, fn) {
      const timer = setTimeout(fn, Math.max(0, ms));
      return () => clearTimeout(timer);
    },
  };
}

/** The simulated network's clock: `speed` times faster than real time. */
export function simSessionClock(sim: LineClock): SessionClock {
  const origin = performance.now();
  return {
    speed: sim.speed,
    now: () => (performance.now() - origin) * sim.speed,
    setTimer: (ms, fn) => sim.setTimer(Math.max(0, ms), fn),
  };
}
