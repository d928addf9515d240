/** How long speech takes on the simulated network, and its clock (scaled by PARLEY_SIM_SPEED). */
import { createLineClock, type LineClock } from '../../media/line-clock.js';

/** Spoken duration of a text at a words-per-minute pace (at least 300 ms for a word or two). */
export function speakingMs(text: string, wordsPerMinute: number): number {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  return Math.max(300, Math.round((words * 60_000) / wordsPerMinute));
}

/** A person keys about four keys a second on a phone's keypad. */
export const keyIntervalMs = 250;

/** How long keying an entry takes. */
export function keyingMs(keys: string): number {
  return keys.length * keyIntervalMs;
}

/** The simulated network's clock: a line clock `speed` times faster than real time. */
export type SimClock = LineClock;

export function createSimClock(speed: number): SimClock {
  return createLineClock(speed);
}
