/**
 * The durable dial queue on pg-boss: one job per call, whose id is derived from the call id so
 * that enqueuing the same call again (after a crash, by the recovery sweep, from a second
 * process) never makes a second job. A job only claims and dials; the live call is held by the
 * process through a lease, not by the job.
 */
import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Logger } from '../shared/logger.js';

export const dialQueue = 'call-dial';

/** What the dispatcher asks of the call side for one job. */
export type ClaimResult =
  /** The call is now this process's to dial. */
  | { readonly type: 'claimed' }
  /** The organisation is at its concurrency limit: try again shortly, the call stays queued. */
  | { readonly type: 'wait' }
  /** Nothing to do (canceled, already taken, gone). */
  | { readonly type: 'skip' };

export interface DispatcherHandlers {
  claim(callId: string): Promise<ClaimResult>;
  /** Dials a claimed call; must not throw for a carrier failure (it ends the call instead). */
  dial(callId: string): Promise<void>;
}

export interface DispatcherOptions {
  readonly boss: PgBoss;
  readonly log: Logger;
  /** Seconds between tries of a call that waits for a slot. */
  readonly slotRetryDelayS?: number;
  readonly batchSize?: number;
}

/** A v4-shaped UUID derived from the call id: the job's primary key. */
export function jobIdFor(callId: string): string {
  const hex = createHash('sha256').update(`parley-dial:${callId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

class WaitForSlot extends Error {
  constructor() {
    super('organisation at its concurrent-call limit');
  }
}

export class Dispatcher {
  private workerId: string | undefined;
  private readonly slotRetryDelayS: number;

  constructor(private readonly options: DispatcherOptions) {
    this.slotRetryDelayS = options.slotRetryDelayS ?? 1;
  }

  /** Creates the queue (idempotent); call before enqueue. */
  async prepare(): Promise<void> {
    await this.options.boss.createQueue(dialQueue, { name: dialQueue, policy: 'standard' } as never).catch((error: unknown) => {
      if (!String((error as Error).message).includes('already exists')) throw error;
    });
  }

  /** Starts taking dial jobs in this process. */
  async work(handlers: DispatcherHandlers): Promise<void> {
    const { boss, log } = this.options;
    this.workerId = await boss.work<{ callId: string }>(
      dialQueue,
      { batchSize: this.options.batchSize ?? 20, pollingIntervalSeconds: 0.5 },
      async (jobs) => {
        await Promise.all(
          jobs.map(async (job) => {
            try {
              await this.runJob(handlers, job.data.callId);
            } catch (error) {
              if (!(error instanceof WaitForSlot)) log.error({ err: error, callId: job.data.callId }, 'dial job failed');
              await boss.fail(dialQueue, job.id, { reason: (error as Error).message });
            }
          }),
        );
      },
    );
  }

  /** Stops taking dial jobs in this process (shutdown): the calls stay queued for another process or the next start. */
  async stopWorking(): Promise<void> {
    if (!this.workerId) return;
    this.workerId = undefined;
    await this.options.boss.offWork(dialQueue);
  }

  /** Queues a call's dial job; enqueuing a call twice is harmless. */
  async enqueue(callId: string, startAfter?: Date | null): Promise<void> {
    await this.options.boss.send(dialQueue, { callId }, {
      id: jobIdFor(callId),
      ...(startAfter && startAfter.getTime() > Date.now() ? { startAfter } : {}),
      // A slot wait is a retry; only the call (not the job) ever fails, so retries are unbounded.
      retryLimit: 1_000_000,
      retryDelay: this.slotRetryDelayS,
      retryBackoff: false,
      expireInSeconds: 120,
    });
    if (this.workerId && (!startAfter || startAfter.getTime() <= Date.now())) this.options.boss.notifyWorker(this.workerId);
  }

  private async runJob(handlers: DispatcherHandlers, callId: string): Promise<void> {
    const claim = await handlers.claim(callId);
    switch (claim.type) {
      case 'claimed':
        await handlers.dial(callId);
        return;
      case 'wait':
        throw new WaitForSlot();
      case 'skip':
        return;
    }
  }
}

/** pg-boss on either a Postgres server (its own pool) or a connection it is handed (PGlite). */
export function createBoss(options: { connectionString?: string | undefined; executeSql?: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> }): PgBoss {
  const common = { schedule: false, supervise: true, maintenanceIntervalSeconds: 60 } as const;
  if (options.connectionString) return new PgBoss({ ...common, connectionString: options.connectionString, max: 4 });
  if (!options.executeSql) throw new Error('pg-boss needs a connection string or an executeSql adapter');
  return new PgBoss({ ...common, db: { executeSql: options.executeSql } as never });
}
