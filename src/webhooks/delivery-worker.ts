/**
 * Sends webhook deliveries: takes attempt jobs from pg-boss, claims each attempt on its row,
 * signs and posts it in the background (a slow receiver holds one of `maxInFlight` slots until
 * its deadline, never the queue), records the outcome, and enqueues what comes next: the retry,
 * or the next delivery of the same call to the same target. A periodic sweep re-enqueues
 * anything due whose job was lost (a crash between commit and enqueue, a lease that ran out).
 */
import type { EndpointSecrets } from './endpoint-secrets.js';
import type PgBoss from 'pg-boss';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Db } from '../store/database.js';
import type { Logger } from '../shared/logger.js';
import type { SecretBox } from '../shared/secret-box.js';
import { sendWebhook } from './http-sender.js';
import type { HostLookup } from './safe-target.js';
import { prepareAttempt } from './attempt-request.js';
import { deliveryQueue, enqueueAttempts, forgetAttempt, type AttemptToEnqueue, type DeliveryJobData } from './delivery-queue.js';
import { claimAttempt, dueHeads, inspectUnclaimed, nextAttemptAt, recordAttempt, type AttemptOutcome, type DeliveryRow, type Recorded } from './delivery-store.js';

export interface DeliveryWorkerOptions {
  readonly db: Db;
  readonly boss: PgBoss;
  readonly box: SecretBox;
  readonly log: Logger;
  readonly metrics?: Registry;
  readonly allowPrivate: boolean;
  /** The whole attempt: DNS, connect, upload, answer. */
  readonly timeoutMs: number;
  readonly nextDelayMs: (attempts: number) => number | null;
  readonly disableAfterMs: number;
  readonly sweepIntervalMs: number;
  readonly maxInFlight: number;
  /** Clock of endpoint health (failing since, last success, the disabling rule). */
  readonly now: () => Date;
  /** The secret for deliveries to a call's own webhook_url. */
  /** The organisation's secrets for calls' own webhook_url. */
  readonly callSecrets: (orgId: string) => Promise<EndpointSecrets>;
  readonly lookup?: HostLookup;
}

/** Response bytes kept per attempt: enough to see an error page's first lines, never more. */
const maxResponseBytes = 1024;
/** A claimed attempt's lease outlives its deadline by this much before the sweep may retake it. */
const leaseMarginMs = 30_000;
/** pg-boss may start a job a little before the row's time (two clocks); this is not early. */
const earlyToleranceMs = 1_000;
const batchSize = 10;
/** Retries due within this long get a timer that wakes the worker on time. */
const wakeAheadMs = 60_000;
const sweepLimit = 500;

export class DeliveryWorker {
  private workerId: string | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly slotWaiters: (() => void)[] = [];
  private stopped = false;
  private busySlots = 0;
  private readonly wakeTimers = new Set<NodeJS.Timeout>();
  private readonly outcomes: Counter<'outcome'> | undefined;
  private readonly latency: Histogram | undefined;

  constructor(private readonly options: DeliveryWorkerOptions) {
    if (options.metrics) {
      this.outcomes = new Counter({ name: 'parley_webhook_attempts_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers: [options.metrics] });
      this.latency = new Histogram({
        name: 'parley_webhook_attempt_seconds',
        help: 'Time from the start of an attempt to its answer',
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [options.metrics],
      });
    }
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.workerId = await this.options.boss.work<DeliveryJobData>(deliveryQueue, { batchSize, pollingIntervalSeconds: 1 }, (jobs) => this.handle(jobs));
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** Stops taking jobs and waits for the sends under way (each ends by its deadline). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    for (const timer of this.wakeTimers) clearTimeout(timer);
    this.wakeTimers.clear();
    if (this.workerId) await this.options.boss.offWork(deliveryQueue);
    for (const wake of this.slotWaiters.splice(0)) wake();
    await this.sweeping;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Fetches at once instead of at the next poll. */
  wake(): void {
    if (this.workerId && !this.stopped) this.options.boss.notifyWorker(this.workerId);
  }

  /**
   * Enqueues attempts and wakes the worker for those due now, and again when a near one falls
   * due: pg-boss only polls every second, which would stretch a 5 s retry to up to 6 s.
   */
  async enqueue(attempts: readonly AttemptToEnqueue[]): Promise<void> {
    await enqueueAttempts(this.options.boss, attempts);
    const now = Date.now();
    if (attempts.some((entry) => !entry.startAfter || entry.startAfter.getTime() <= now)) this.wake();
    for (const entry of attempts) {
      const inMs = (entry.startAfter?.getTime() ?? now) - now;
      if (inMs > 0 && inMs <= wakeAheadMs && !this.stopped) {
        const timer = setTimeout(() => {
          this.wakeTimers.delete(timer);
          this.wake();
        }, inMs + 5);
        timer.unref();
        this.wakeTimers.add(timer);
      }
    }
  }

  /** Re-enqueues whatever is due and at the head of its line; idempotent across processes. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return this.sweeping;
    this.sweeping = (async () => {
      try {
        const due = await dueHeads(this.options.db, new Date(), sweepLimit);
        if (due.length > 0) await this.enqueue(due);
      } catch (error) {
        this.options.log.warn({ err: error }, 'webhook sweep failed; the next one retries');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /** A batch of attempt jobs, claimed side by side (each once it has a slot). */
  private async handle(jobs: PgBoss.Job<DeliveryJobData>[]): Promise<void> {
    await Promise.all(
      jobs.map(async (job) => {
        if (!(await this.takeSlot())) {
          // The row is still due: the sweep of a running process (or of this one after a
          // restart) enqueues the attempt again once its job id is free.
          await this.forget(job.data);
          return;
        }
        try {
          await this.runJob(job.data);
        } catch (error) {
          this.options.log.error({ err: error, deliveryId: job.data.deliveryId }, 'webhook job failed; the sweep retries it');
          await this.forget(job.data);
        }
      }),
    );
    // A full batch means more are waiting: fetch again without the polling pause.
    if (jobs.length >= batchSize) this.wake();
  }

  private async forget({ deliveryId, attempt }: DeliveryJobData): Promise<void> {
    await forgetAttempt(this.options.boss, deliveryId, attempt).catch((error: unknown) => {
      this.options.log.warn({ err: error, deliveryId }, 'webhook job could not be released');
    });
  }

  /** A job's attempt: claimed and sent, or (unclaimed) sorted out. Holds a slot on entry. */
  private async runJob({ deliveryId, attempt }: DeliveryJobData): Promise<void> {
    const now = new Date();
    if (!(await this.claimAndSend(deliveryId, attempt, now))) await this.unclaimed(deliveryId, attempt, now);
  }

  /**
   * Claims the attempt and starts its send in the background. Holds a slot on entry, released
   * at once when the claim fails, else when the outcome is recorded.
   */
  private async claimAndSend(deliveryId: string, attempt: number, now: Date = new Date()): Promise<boolean> {
    let row: DeliveryRow | undefined;
    try {
      const leaseUntil = new Date(now.getTime() + this.options.timeoutMs + leaseMarginMs);
      row = await claimAttempt(this.options.db, deliveryId, attempt, now, leaseUntil, earlyToleranceMs);
    } finally {
      if (!row) this.releaseSlot();
    }
    if (!row) return false;
    const sending = this.deliver(row).finally(() => {
      this.inFlight.delete(sending);
      this.releaseSlot();
    });
    this.inFlight.add(sending);
    return true;
  }

  /**
   * What follows a recorded attempt. A retry goes through the queue at its time. The next
   * delivery of the call to the same target, when due, is claimed here at once: a pass through
   * the queue would cost an insert and a fetch per event of the call (hundreds of ms on a busy
   * embedded store). When it cannot be claimed here (no free slot, another process has it) it
   * goes through the queue.
   */
  private async continueWith(recorded: Recorded): Promise<void> {
    const viaQueue: AttemptToEnqueue[] = [];
    for (const next of recorded.next) {
      const due = !next.startAfter || next.startAfter.getTime() <= Date.now();
      if (recorded.status !== 'failed' && due && !this.stopped && this.busySlots < this.options.maxInFlight) {
        this.busySlots += 1;
        if (await this.claimAndSend(next.deliveryId, next.attempt)) continue;
      }
      viaQueue.push(next);
    }
    await this.enqueue(viaQueue);
  }

  /**
   * A job that could not claim its attempt. Stale: nothing to do. Early: it comes back at the
   * row's time. Waiting behind an earlier delivery: its job id is freed, so the hand-over from
   * that delivery (or the sweep) can enqueue the same attempt again.
   */
  private async unclaimed(deliveryId: string, attempt: number, now: Date): Promise<void> {
    const why = await inspectUnclaimed(this.options.db, deliveryId, attempt, now);
    if (why === 'stale') return;
    await forgetAttempt(this.options.boss, deliveryId, attempt);
    if (why === 'early') await this.enqueue([{ deliveryId, attempt, startAfter: (await nextAttemptAt(this.options.db, deliveryId)) ?? null }]);
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const { log } = this.options;
    let targetUrl = row.targetUrl;
    let outcome: AttemptOutcome;
    try {
      const prepared = await prepareAttempt(this.options, row);
      if ('abandon' in prepared) {
        outcome = { kind: 'abandon', error: prepared.abandon };
      } else {
        targetUrl = prepared.url;
        const result = await sendWebhook({
          url: prepared.url,
          headers: prepared.headers,
          body: prepared.body,
          timeoutMs: this.options.timeoutMs,
          maxResponseBytes,
          allowPrivate: this.options.allowPrivate,
          ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
        });
        this.latency?.observe(result.latencyMs / 1000);
        outcome = result.ok
          ? { kind: 'delivered', statusCode: result.statusCode!, latencyMs: result.latencyMs }
          : { kind: 'failed', statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error!.message, retryable: result.error!.retryable };
      }
    } catch (error) {
      log.error({ err: error, deliveryId: row.id }, 'webhook delivery could not be prepared');
      outcome = { kind: 'failed', latencyMs: 0, error: 'Parley could not prepare the delivery', retryable: true };
    }
    this.outcomes?.inc({ outcome: outcome.kind });
    try {
      const recorded = await recordAttempt(this.options.db, row, targetUrl, outcome, {
        nextDelayMs: this.options.nextDelayMs,
        now: this.options.now,
        disableAfterMs: this.options.disableAfterMs,
      });
      if (recorded?.disabledEndpoint) log.warn({ endpointId: recorded.disabledEndpoint }, 'webhook endpoint disabled after failing continuously');
      if (recorded && recorded.next.length > 0) await this.continueWith(recorded);
    } catch (error) {
      // The row stays claimed; once its lease runs out the sweep sends the attempt again.
      log.error({ err: error, deliveryId: row.id }, 'webhook outcome could not be recorded');
    }
  }

  /** Waits for one of `maxInFlight` slots: a claim in progress or a send under way holds one. */
  private async takeSlot(): Promise<boolean> {
    while (this.busySlots >= this.options.maxInFlight && !this.stopped) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    if (this.stopped) return false;
    this.busySlots += 1;
    return true;
  }

  private releaseSlot(): void {
    this.busySlots = Math.max(0, this.busySlots - 1);
    this.slotWaiters.shift()?.();
  }
}
