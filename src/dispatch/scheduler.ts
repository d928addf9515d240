/**
 * The pull scheduler. Calls (single or from campaigns) wait in the database, not in a queue of
 * jobs: when something may have changed in an organisation (a call stored, a slot freed, a
 * campaign started, a retry or a calling window falling due) the scheduler is woken and runs
 * claim rounds for it, each taking the next eligible calls with `FOR UPDATE SKIP LOCKED`. While
 * nothing is due it sleeps on one timer set to the earliest due time, plus a slow safety sweep,
 * so the database cost of the queue is per dial, not per waiting call per second.
 *
 * Across processes on PostgreSQL a wake travels by NOTIFY (an API-only process stores a call,
 * a worker dials it); the claim itself is what makes dialling exactly-once.
 */
import pg from 'pg';
import type { Logger } from '../shared/logger.js';

/** The scheduler's notion of now (tests and benchmarks move it). */
export interface SchedulerClock {
  now(): Date;
}

export const systemClock: SchedulerClock = { now: () => new Date() };

/** What one claim round in an organisation did. */
export interface ClaimRound {
  /** Calls now leased to this process, to dial. */
  readonly claimed: readonly string[];
  /** Rows claimed, held or skipped: another round may find more at once. */
  readonly progressed: boolean;
  /** When this organisation's blocked work may move again without a wake (a rate limit reopening). */
  readonly retryAt?: Date | null;
}

export interface SchedulerHandlers {
  /** Organisations with work due at `now`. */
  dueOrganizations(now: Date): Promise<string[]>;
  /** The earliest time after `now` at which waiting work falls due, or null. */
  nextDueAt(now: Date): Promise<Date | null>;
  /** One claim round in one organisation: leases what may start now. */
  claim(orgId: string, now: Date): Promise<ClaimRound>;
  /** Dials a claimed call; must not throw for a carrier failure (it ends the call instead). */
  dial(callId: string): Promise<void>;
}

export interface SchedulerOptions {
  readonly log: Logger;
  readonly clock?: SchedulerClock;
  /** On PostgreSQL: wakes cross processes by NOTIFY. */
  readonly connectionString?: string | undefined;
  /** A look at everything every so often, in case a wake was lost (default 30 s). */
  readonly sweepIntervalMs?: number;
  /** Rounds per organisation before others get a turn (default 50). */
  readonly roundsPerTurn?: number;
}

const channel = 'parley_dial';
/** Timers are capped so a clock change (or a far-future call) is looked at again within this. */
const maxTimerMs = 60_000;
const reconnectDelayMs = 1_000;

export class Scheduler {
  private handlers: SchedulerHandlers | undefined;
  private readonly clock: SchedulerClock;
  private readonly dirty = new Set<string>();
  private everything = false;
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private retryAt: number | null = null;
  private readonly dials = new Set<Promise<void>>();
  private listener: pg.Client | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private notifier: pg.Pool | undefined;
  private stopped = true;
  /** Claim rounds run and calls claimed by this process (the benchmarks read them). */
  readonly stats = { rounds: 0, claimed: 0, wakes: 0, lookups: 0 };

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Starts claiming and dialling in this process. */
  async start(handlers: SchedulerHandlers): Promise<void> {
    this.handlers = handlers;
    this.stopped = false;
    if (this.options.connectionString) await this.listen();
    const sweepMs = this.options.sweepIntervalMs ?? 30_000;
    this.sweepTimer = setInterval(() => this.wake(), sweepMs);
    this.sweepTimer.unref();
    this.wake();
  }

  /** Stops claiming; waits for the round under way and the dials it started. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.timer);
    clearTimeout(this.reconnect);
    await this.draining;
    await Promise.allSettled([...this.dials]);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.notifier?.end().catch(() => undefined);
    this.notifier = undefined;
  }

  /**
   * Something may be due in `orgId` (or anywhere, without one): look now. Cheap and coalesced;
   * safe to call from anywhere, any number of times.
   */
  wake(orgId?: string): void {
    this.stats.wakes += 1;
    if (orgId) this.dirty.add(orgId);
    else this.everything = true;
    if (this.stopped || !this.handlers) return;
    this.draining ??= this.drain()
      .catch((error: unknown) => this.options.log.warn({ err: error }, 'scheduler round failed; the sweep will retry'))
      .finally(() => {
        this.draining = undefined;
        if (!this.stopped && (this.everything || this.dirty.size > 0)) this.wake();
      });
  }

  /**
   * Tells every process (this one included) that `orgId` has work: a call was stored. Used by
   * processes that only serve the API as much as by workers.
   */
  async announce(orgId: string): Promise<void> {
    this.wake(orgId);
    if (!this.options.connectionString) return;
    if (!this.notifier) {
      this.notifier = new pg.Pool({ connectionString: this.options.connectionString, max: 1 });
      // An idle connection the server drops is replaced on the next query; unheard it would crash.
      this.notifier.on('error', (error) => this.options.log.warn({ err: error }, 'scheduler notifier lost a connection'));
    }
    await this.notifier.query('select pg_notify($1, $2)', [channel, orgId]);
  }

  private async drain(): Promise<void> {
    const handlers = this.handlers!;
    while (!this.stopped && (this.everything || this.dirty.size > 0)) {
      if (this.everything) {
        this.everything = false;
        this.stats.lookups += 1;
        for (const orgId of await handlers.dueOrganizations(this.clock.now())) this.dirty.add(orgId);
      }
      for (const orgId of [...this.dirty]) {
        this.dirty.delete(orgId);
        await this.runOrg(handlers, orgId);
        if (this.stopped) return;
      }
    }
    await this.arm(handlers);
  }

  private async runOrg(handlers: SchedulerHandlers, orgId: string): Promise<void> {
    const rounds = this.options.roundsPerTurn ?? 50;
    for (let i = 0; i < rounds && !this.stopped; i++) {
      const round = await handlers.claim(orgId, this.clock.now());
      this.stats.rounds += 1;
      this.stats.claimed += round.claimed.length;
      if (round.retryAt) this.retryAt = Math.min(this.retryAt ?? Infinity, round.retryAt.getTime());
      for (const callId of round.claimed) this.track(handlers.dial(callId));
      if (!round.progressed) return;
      if (i === rounds - 1) this.dirty.add(orgId);
    }
  }

  private track(dial: Promise<void>): void {
    const tracked = dial.catch((error: unknown) => this.options.log.error({ err: error }, 'dial failed unexpectedly'));
    this.dials.add(tracked);
    void tracked.finally(() => this.dials.delete(tracked));
  }

  /** One timer for the earliest due time: the only cost of waiting calls. */
  private async arm(handlers: SchedulerHandlers): Promise<void> {
    const now = this.clock.now();
    this.stats.lookups += 1;
    const next = await handlers.nextDueAt(now);
    let at = next?.getTime() ?? null;
    if (this.retryAt !== null && (at === null || this.retryAt < at)) at = this.retryAt;
    this.retryAt = null;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (at === null || this.stopped) return;
    const inMs = Math.min(maxTimerMs, Math.max(0, at - now.getTime()) + 5);
    this.timer = setTimeout(() => this.wake(), inMs);
    this.timer.unref();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.connectionString });
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload) this.wake(message.payload);
    });
    client.on('error', (error) => {
      this.options.log.warn({ err: error }, 'scheduler listener lost its connection; reconnecting');
      void client.end().catch(() => undefined);
      if (this.listener === client) this.listener = undefined;
      this.scheduleReconnect();
    });
    await client.connect();
    await client.query(`listen ${channel}`);
    if (this.stopped) {
      await client.end();
      return;
    }
    this.listener = client;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnect) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      this.listen()
        .then(() => this.wake())
        .catch((error: unknown) => {
          this.options.log.warn({ err: error }, 'scheduler listener could not connect; retrying');
          this.scheduleReconnect();
        });
    }, reconnectDelayMs);
    this.reconnect.unref();
  }
}
