import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DISABLE_AFTER_MS,
  MIN_RETRY_SPAN_MS,
  NOMINAL_RETRY_SPAN_MS,
  RETRY_SCHEDULE_MS,
  maxAttempts,
  nextAttemptDelayMs,
  shouldDisableEndpoint,
} from './backoff.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Every delay of a delivery that fails every time, with a fixed random value. */
function fullSchedule(random: () => number): number[] {
  const delays: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const delay = nextAttemptDelayMs(attempt, random);
    if (delay === null) return delays;
    delays.push(delay);
  }
}

describe('nextAttemptDelayMs', () => {
  it('follows 5s, 30s, 2m, 10m, 30m, 1h, 2h, 4h, 8h, 8h, 8h at the middle of the jitter', () => {
    expect(fullSchedule(() => 0.5)).toEqual([
      5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000, 28_800_000,
    ]);
  });

  it('allows 12 attempts and gives up after the last', () => {
    expect(maxAttempts).toBe(12);
    expect(nextAttemptDelayMs(11, () => 0.5)).toBe(8 * HOUR_MS);
    expect(nextAttemptDelayMs(12)).toBeNull();
    expect(nextAttemptDelayMs(40)).toBeNull();
  });

  it('spreads each delay over ±20 %', () => {
    expect(nextAttemptDelayMs(1, () => 0)).toBe(4_000);
    expect(nextAttemptDelayMs(1, () => 0.999_999)).toBe(6_000);
    expect(nextAttemptDelayMs(9, () => 0)).toBe(0.8 * 8 * HOUR_MS);
    for (let i = 0; i < 200; i++) {
      const delay = nextAttemptDelayMs(3)!;
      expect(delay).toBeGreaterThanOrEqual(96_000);
      expect(delay).toBeLessThanOrEqual(144_000);
    }
  });

  it('clamps a random source that strays outside [0, 1)', () => {
    expect(nextAttemptDelayMs(2, () => -3)).toBe(24_000);
    expect(nextAttemptDelayMs(2, () => 7)).toBe(36_000);
  });

  it('never shrinks from one retry to the next, nominally', () => {
    for (let i = 1; i < RETRY_SCHEDULE_MS.length; i++) {
      expect(RETRY_SCHEDULE_MS[i]!).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[i - 1]!);
    }
  });

  it('spans more than 24 hours even when every delay is at its shortest', () => {
    const shortest = fullSchedule(() => 0).reduce((sum, d) => sum + d, 0);
    expect(shortest).toBe(MIN_RETRY_SPAN_MS);
    expect(shortest).toBeGreaterThan(24 * HOUR_MS);
    expect(MIN_RETRY_SPAN_MS).toBe(91_324_000); // 25 h 22 m 4 s
    expect(NOMINAL_RETRY_SPAN_MS).toBe(114_155_000); // 31 h 42 m 35 s
    expect(fullSchedule(() => 0.5).reduce((sum, d) => sum + d, 0)).toBe(NOMINAL_RETRY_SPAN_MS);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses attempt %s', (attempt) => {
    expect(() => nextAttemptDelayMs(attempt)).toThrow(RangeError);
  });
});

describe('shouldDisableEndpoint', () => {
  const now = Date.UTC(2025, 5, 15, 12, 0, 0);

  it.each([
    ['never failed', { firstFailureAt: null, lastSuccessAt: now - DAY_MS }, false],
    ['never failed nor succeeded', { firstFailureAt: undefined, lastSuccessAt: undefined }, false],
    ['failing for 4 days 23 h', { firstFailureAt: now - 5 * DAY_MS + HOUR_MS, lastSuccessAt: now - 6 * DAY_MS }, false],
    ['failing for exactly 5 days', { firstFailureAt: now - 5 * DAY_MS, lastSuccessAt: now - 6 * DAY_MS }, true],
    ['failing for 9 days, never succeeded', { firstFailureAt: now - 9 * DAY_MS, lastSuccessAt: null }, true],
    ['succeeded after the stored first failure', { firstFailureAt: now - 9 * DAY_MS, lastSuccessAt: now - HOUR_MS }, false],
    ['succeeded at the same instant', { firstFailureAt: now - 9 * DAY_MS, lastSuccessAt: now - 9 * DAY_MS }, false],
  ])('%s -> %s', (_name, history, expected) => {
    expect(shouldDisableEndpoint({ ...history, now })).toBe(expected);
  });

  it('accepts Dates as well as epoch milliseconds', () => {
    expect(
      shouldDisableEndpoint({ firstFailureAt: new Date(now - 6 * DAY_MS), lastSuccessAt: null, now: new Date(now) }),
    ).toBe(true);
  });

  it('honours a custom window', () => {
    const history = { firstFailureAt: now - 2 * DAY_MS, lastSuccessAt: null, now };
    expect(shouldDisableEndpoint(history)).toBe(false);
    expect(shouldDisableEndpoint({ ...history, disableAfterMs: DAY_MS })).toBe(true);
    expect(DEFAULT_DISABLE_AFTER_MS).toBe(5 * DAY_MS);
  });
});
