/** When to retry a failed webhook delivery, when to give up, and when to disable an endpoint. */

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * Delay before retry n (index 0 = after the first attempt fails). Roughly ×4-6 per step up to
 * an 8 h ceiling, the shape Svix and Stripe use: quick retries catch a deploy or a blip, the
 * long tail rides out a receiver that is down overnight. Nominal total: 114,155 s = 31 h 42 m 35 s.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5 * SECOND_MS,
  30 * SECOND_MS,
  2 * MINUTE_MS,
  10 * MINUTE_MS,
  30 * MINUTE_MS,
  1 * HOUR_MS,
  2 * HOUR_MS,
  4 * HOUR_MS,
  8 * HOUR_MS,
  8 * HOUR_MS,
  8 * HOUR_MS,
];

/**
 * Each delay is spread uniformly over ±20 % so that events that failed together (a receiver
 * outage) do not come back as a thundering herd. With every delay at its low end the schedule
 * still spans 25 h 22 m, so a delivery is never abandoned in under 24 h.
 */
export const RETRY_JITTER_RATIO = 0.2;

/** Attempts per delivery: the first plus one per scheduled retry (12). */
export const maxAttempts: number = RETRY_SCHEDULE_MS.length + 1;

/** Sum of the nominal delays: first attempt to last retry, 31 h 42 m 35 s. */
export const NOMINAL_RETRY_SPAN_MS: number = RETRY_SCHEDULE_MS.reduce((sum, delay) => sum + delay, 0);

/** The shortest possible span (every delay at -20 %): 25 h 22 m 4 s. */
export const MIN_RETRY_SPAN_MS: number = Math.round(NOMINAL_RETRY_SPAN_MS * (1 - RETRY_JITTER_RATIO));

/**
 * Milliseconds to wait before the next attempt, given how many attempts were already made
 * (1 after the first failure), or `null` when the delivery has used all its attempts (the
 * first plus one per entry of `scheduleMs`, 12 with the default schedule).
 * `random` returns a number in [0, 1), as `Math.random` does; inject it for deterministic tests.
 * `scheduleMs` replaces `RETRY_SCHEDULE_MS` (tests run the whole schedule in milliseconds).
 */
export function nextAttemptDelayMs(
  attempt: number,
  random: () => number = Math.random,
  scheduleMs: readonly number[] = RETRY_SCHEDULE_MS,
): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError('attempt counts the attempts already made and starts at 1');
  }
  if (attempt > scheduleMs.length) return null;
  const nominal = scheduleMs[attempt - 1]!;
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(nominal * (1 - RETRY_JITTER_RATIO + 2 * RETRY_JITTER_RATIO * r));
}

/** An endpoint failing every delivery for this long is disabled (its owner is told). */
export const DEFAULT_DISABLE_AFTER_MS = 5 * DAY_MS;

/** A point in time as a Date or epoch milliseconds. */
export type Instant = Date | number;

export interface EndpointFailureHistory {
  /** Start of the current unbroken run of failed attempts; null when the last attempt succeeded. */
  readonly firstFailureAt: Instant | null | undefined;
  /** The last attempt that succeeded, if any. */
  readonly lastSuccessAt: Instant | null | undefined;
  readonly now: Instant;
  readonly disableAfterMs?: number;
}

/**
 * True when the endpoint has failed continuously for `disableAfterMs` (default 5 days): every
 * attempt since `firstFailureAt` failed. A success at or after `firstFailureAt` means the run
 * was broken (the stored start is stale), so the endpoint stays enabled.
 */
export function shouldDisableEndpoint(history: EndpointFailureHistory): boolean {
  if (history.firstFailureAt === null || history.firstFailureAt === undefined) return false;
  const firstFailureMs = toMs(history.firstFailureAt);
  if (history.lastSuccessAt !== null && history.lastSuccessAt !== undefined && toMs(history.lastSuccessAt) >= firstFailureMs) {
    return false;
  }
  return toMs(history.now) - firstFailureMs >= (history.disableAfterMs ?? DEFAULT_DISABLE_AFTER_MS);
}

function toMs(instant: Instant): number {
  return typeof instant === 'number' ? instant : instant.getTime();
}
