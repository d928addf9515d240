/**
 * The pg-boss side of deliveries: one job per delivery attempt, whose id is derived from the
 * delivery id and the attempt number, so the fan-out, the worker, the sweep and every process
 * sharing the database can all enqueue the same attempt and only one job ever exists for it.
 * The job only says "try attempt n of delivery d now"; `webhook_deliveries` stays the truth.
 */
import { createHash } from 'node:crypto';
import type PgBoss from 'pg-boss';

export const deliveryQueue = 'webhook-delivery';

export interface DeliveryJobData {
  readonly deliveryId: string;
  /** The attempt this job may make: the row's `attempts` + 1 when it was enqueued. */
  readonly attempt: number;
}

/** One attempt to enqueue; `startAfter` in the past (or absent) means now. */
export interface AttemptToEnqueue {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly startAfter?: Date | null;
}

/** A v4-shaped UUID derived from (delivery, attempt): the job's primary key. */
export function deliveryJobId(deliveryId: string, attempt: number): string {
  const hex = createHash('sha256').update(`parley-webhook:${deliveryId}:${attempt}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function prepareDeliveryQueue(boss: PgBoss): Promise<void> {
  await boss.createQueue(deliveryQueue, { name: deliveryQueue, policy: 'standard' } as never).catch((error: unknown) => {
    if (!String((error as Error).message).includes('already exists')) throw error;
  });
}

/**
 * Enqueues attempts in one statement. An attempt whose job already exists is skipped by the
 * primary key, which is what makes re-enqueuing (sweep, second process, restart) harmless.
 */
export async function enqueueAttempts(boss: PgBoss, attempts: readonly AttemptToEnqueue[]): Promise<void> {
  if (attempts.length === 0) return;
  const now = Date.now();
  await boss.insert(
    attempts.map((entry) => ({
      id: deliveryJobId(entry.deliveryId, entry.attempt),
      name: deliveryQueue,
      data: { deliveryId: entry.deliveryId, attempt: entry.attempt } satisfies DeliveryJobData,
      ...(entry.startAfter && entry.startAfter.getTime() > now ? { startAfter: entry.startAfter } : {}),
      // The job only claims the row and starts the send; retries are the delivery's own schedule.
      // A crash inside the handler is retried twice; after that the sweep takes over.
      retryLimit: 2,
      retryDelay: 2,
      expireInSeconds: 60,
    })),
  );
}

/** Frees an attempt's job id, so the same attempt can be enqueued again later. */
export async function forgetAttempt(boss: PgBoss, deliveryId: string, attempt: number): Promise<void> {
  await boss.deleteJob(deliveryQueue, deliveryJobId(deliveryId, attempt));
}
