/**
 * The organisation's live event feed: every row written to `call_events`, by any process sharing
 * the database, handed to the subscribers of its organisation. It polls the table (PGlite has no
 * LISTEN across processes, and a poll of an indexed id range is cheap), only while someone listens.
 *
 * Ids come from a sequence, so a row can commit after a row with a higher id was already read.
 * The ids skipped over are kept as gaps for `gapTtlMs` and asked for again on every poll, so a
 * late commit is still delivered, once.
 */
import { asc, and, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { callEvents } from '../store/schema.js';

export interface FeedEvent {
  readonly id: number;
  readonly type: string;
  readonly call_id: string;
  readonly data: Record<string, unknown>;
  readonly created_at: string;
}

export interface FeedSubscriber {
  readonly orgId: string;
  /** Only this call's events. */
  readonly callId?: string;
  send(event: FeedEvent): void;
}

export interface EventFeedOptions {
  /** How often the table is read while someone listens; a committed transition in this process reads at once. */
  readonly pollMs?: number;
  /** How long a skipped id may still commit (a transaction open that long is far past any in Parley). */
  readonly gapTtlMs?: number;
  readonly onError?: (error: unknown) => void;
}

const batchRows = 500;
/** A jump larger than this is not tracked as gaps (a restored or reseeded sequence). */
const maxGapSpan = 5_000;

type Row = typeof callEvents.$inferSelect;

export function feedEvent(row: Row): FeedEvent {
  return { id: row.id, type: row.type, call_id: row.callId, data: row.data, created_at: row.createdAt.toISOString() };
}

export class EventFeed {
  private readonly subscribers = new Set<FeedSubscriber>();
  private readonly gaps = new Map<number, number>();
  private maxSeen: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly pollMs: number;
  private readonly gapTtlMs: number;

  constructor(private readonly db: Db, private readonly options: EventFeedOptions = {}) {
    this.pollMs = options.pollMs ?? 250;
    this.gapTtlMs = options.gapTtlMs ?? 10_000;
  }

  /** Adds a subscriber; the returned function removes it. Events written from now on reach it. */
  async subscribe(subscriber: FeedSubscriber): Promise<() => void> {
    if (this.subscribers.size === 0) {
      // Nobody listened since the last read: start from now, not from what was written meanwhile.
      const [row] = await this.db.select({ max: sql<string | null>`max(${callEvents.id})` }).from(callEvents);
      if (this.subscribers.size === 0) {
        this.maxSeen = Number(row?.max ?? 0);
        this.gaps.clear();
      }
    }
    this.subscribers.add(subscriber);
    this.schedule();
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  /** Events of an organisation after `afterId` (a client resuming with Last-Event-ID). */
  async backlog(orgId: string, afterId: number, callId?: string, limit = 1_000): Promise<FeedEvent[]> {
    const rows = await this.db
      .select()
      .from(callEvents)
      .where(and(eq(callEvents.orgId, orgId), gt(callEvents.id, afterId), callId ? eq(callEvents.callId, callId) : undefined))
      .orderBy(asc(callEvents.id))
      .limit(limit);
    return rows.map(feedEvent);
  }

  /** Reads soon (a transition was just committed in this process). */
  poke(): void {
    if (this.subscribers.size === 0 || this.stopped) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.polling = this.poll();
  }

  get listeners(): number {
    return this.subscribers.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.subscribers.clear();
    await this.polling;
  }

  private schedule(): void {
    if (this.timer || this.polling || this.stopped || this.subscribers.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.poll();
    }, this.pollMs);
  }

  private async poll(): Promise<void> {
    // Yield first: `this.polling = this.poll()` must be assigned before the finally below clears it.
    await Promise.resolve();
    try {
      let full = true;
      while (full && !this.stopped && this.subscribers.size > 0) {
        this.again = false;
        const rows = await this.read();
        full = rows.length === batchRows || this.again;
        this.deliver(rows);
      }
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.polling = undefined;
      this.schedule();
    }
  }

  private async read(): Promise<Row[]> {
    const now = Date.now();
    for (const [id, seenAt] of this.gaps) if (now - seenAt > this.gapTtlMs) this.gaps.delete(id);
    const after = gt(callEvents.id, this.maxSeen ?? 0);
    const gapIds = [...this.gaps.keys()];
    return this.db
      .select()
      .from(callEvents)
      .where(gapIds.length > 0 ? or(after, inArray(callEvents.id, gapIds)) : after)
      .orderBy(asc(callEvents.id))
      .limit(batchRows);
  }

  private deliver(rows: readonly Row[]): void {
    const now = Date.now();
    for (const row of rows) {
      const maxSeen = this.maxSeen ?? 0;
      if (this.gaps.has(row.id)) this.gaps.delete(row.id);
      else if (row.id <= maxSeen) continue;
      else {
        if (row.id - maxSeen <= maxGapSpan) for (let id = maxSeen + 1; id < row.id; id++) this.gaps.set(id, now);
        this.maxSeen = row.id;
      }
      const event = feedEvent(row);
      for (const subscriber of this.subscribers) {
        if (subscriber.orgId !== row.orgId || (subscriber.callId && subscriber.callId !== row.callId)) continue;
        try {
          subscriber.send(event);
        } catch (error) {
          this.subscribers.delete(subscriber);
          this.options.onError?.(error);
        }
      }
    }
  }
}
