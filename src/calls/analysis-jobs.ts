/**
 * The after-call analysis as a durable job on pg-boss: one job per call (its id derived from the
 * call's, so a call is never analysed twice at once), retried with backoff while the model fails,
 * picked up by any worker process after a crash or a restart. A sweep re-sends the job of a call
 * that ended while the queue could not be reached. Shutdown aborts analyses in flight: their jobs
 * go back to the queue instead of holding the stop.
 */
import { createHash } from 'node:crypto';
import { and, inArray, isNotNull, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import type { Db } from '../store/database.js';
import { calls } from '../store/schema.js';
import type { Logger } from '../shared/logger.js';
import type { CallService } from './call-service.js';
import { AnalysisRetryableError, hadConversation, type CallAnalyzer } from './call-analyzer.js';
import { terminalStatuses } from './call-status.js';

export const analysisQueue = 'call-analyze';

export interface AnalysisJobsOptions {
  readonly boss: PgBoss;
  readonly db: Db;
  readonly calls: CallService;
  readonly analyzer: CallAnalyzer;
  readonly log: Logger;
  /** Tries after the first; with backoff from `retryDelayS` they span about ten minutes. */
  readonly retryLimit?: number;
  readonly retryDelayS?: number;
  readonly sweepMs?: number;
}

/** A v4-shaped UUID derived from the call id: the analysis job's primary key. */
export function analysisJobIdFor(callId: string): string {
  const hex = createHash('sha256').update(`parley-analyze:${callId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class AnalysisJobs {
  private workerId: string | undefined;
  private abort = new AbortController();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AnalysisJobsOptions) {}

  /** Creates the queue (idempotent); call before enqueue. */
  async prepare(): Promise<void> {
    await this.options.boss.createQueue(analysisQueue, { name: analysisQueue, policy: 'standard' } as never).catch((error: unknown) => {
      if (!String((error as Error).message).includes('already exists')) throw error;
    });
  }

  /** Queues a call's analysis; queuing it twice is harmless. */
  async enqueue(callId: string): Promise<void> {
    await this.options.boss.send(analysisQueue, { callId }, {
      id: analysisJobIdFor(callId),
      retryLimit: this.options.retryLimit ?? 6,
      retryDelay: this.options.retryDelayS ?? 10,
      retryBackoff: true,
      // Longer than one attempt may take (the model gets 60 s).
      expireInSeconds: 180,
    });
    if (this.workerId) this.options.boss.notifyWorker(this.workerId);
  }

  /** Starts running analysis jobs in this process, and the sweep of missed ones. */
  async work(): Promise<void> {
    this.abort = new AbortController();
    this.workerId = await this.options.boss.work<{ callId: string }>(
      analysisQueue,
      { batchSize: 8, pollingIntervalSeconds: 0.5, includeMetadata: true },
      async (jobs) => {
        await Promise.all(jobs.map((job) => this.runJob(job)));
      },
    );
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepMs ?? 60_000);
    this.sweepTimer.unref();
    void this.sweep();
  }

  /** Stops taking jobs and aborts the analyses in flight: their jobs are retried later, here or elsewhere. */
  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.abort.abort();
    if (!this.workerId) return;
    this.workerId = undefined;
    await this.options.boss.offWork(analysisQueue);
  }

  private async runJob(job: PgBoss.JobWithMetadata<{ callId: string }>): Promise<void> {
    const { analyzer, boss, calls, log } = this.options;
    const callId = job.data.callId;
    const signal = this.abort.signal;
    const last = job.retryCount >= job.retryLimit;
    try {
      if (signal.aborted) throw signal.reason;
      const call = await calls.getById(callId);
      if (!call || typeof call.analysis?.analyzed_at === 'string' || !hadConversation(call)) return;
      try {
        await analyzer.analyze(call, { signal, retryFailures: !last });
      } catch (error) {
        if (!last || signal.aborted) throw error;
        // The last try failed too: the call says so instead of never being analysed.
        log.error({ err: error, callId }, 'call analysis failed on its last try');
        await analyzer.storeFailure(call, error);
      }
    } catch (error) {
      if (!(error instanceof AnalysisRetryableError) && !signal.aborted) log.warn({ err: error, callId, try: job.retryCount + 1 }, 'call analysis failed; it will be retried');
      await boss.fail(analysisQueue, job.id, { reason: error instanceof Error ? error.message : 'aborted' }).catch((failError: unknown) => {
        log.warn({ err: failError, callId }, 'could not mark the analysis job failed; it is retried when it expires');
      });
    }
  }

  /** Re-sends the jobs of calls that ended with a conversation in the last day but were never analysed. */
  private async sweep(): Promise<void> {
    try {
      const rows = await this.options.db
        .select()
        .from(calls)
        .where(
          and(
            inArray(calls.status, [...terminalStatuses]),
            isNotNull(calls.answeredAt),
            sql`${calls.endedAt} between now() - interval '1 day' and now() - interval '1 minute'`,
            sql`(${calls.analysis} is null or ${calls.analysis}->>'analyzed_at' is null)`,
          ),
        )
        .limit(500);
      for (const row of rows) if (hadConversation(row)) await this.enqueue(row.id);
    } catch (error) {
      this.options.log.warn({ err: error }, 'analysis sweep failed');
    }
  }
}
