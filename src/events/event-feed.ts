/**
 * The organisation's live event feed: every row written to `call_events` and `org_events`
 * (campaign events), by any process sharing the database, handed to the subscribers of its
 * organisation. It polls the tables (PGlite has no LISTEN across processes, and a poll of an
 * indexed id range is cheap), only while someone listens.
 *
 * Both tables take their ids from one sequence, so one id orders the stream and resumes it. Ids
 * can commit out of order: the ids skipped over are kept as gaps for `gapTtlMs` and asked for
 * again on every poll, so a late commit is still delivered, once.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { callEvents, orgEvents } from '../store/schema.js';
import { readEntries, type EntryFilter, type FeedEntry } from './feed-tables.js';

export interface FeedEvent {
  readonly id: number;
  readonly type: string;
  /** The call a call event is about (absent on campaign events). */
  readonly call_id?: string;
  /** The campaign: a campaign event's, or the campaign a call event's call belongs to. */
  readonly campaign_id?: string;
  readonly data: Record<string, unknown>;
  readonly created_at: string;
}

export interface FeedSubscriber {
  readonly orgId: string;
  /** Only this call's events. */
  readonly callId?: string;
  /** Only this campaign's events and its calls'. */
  readonly campaignId?: string;
  send(event: FeedEvent): void;
}

export interface EventFeedOptions {
  /** How often the tables are read while someone listens; a committed transition in this process reads at once. */
  readonly pollMs?: number;
  /** How long a skipped id may still commit (a transaction open that long is far past any in Parley). */
  readonly gapTtlMs?: number;
  readonly onError?: (error: unknown) => void;
}

const batchRows = 500;
/** A jump larger than this is not tracked as gaps (a restored or reseeded sequence). */
const maxGapSpan = 5_000;

export function feedEvent(entry: FeedEntry): FeedEvent {
  return {
    id: entry.id,
    type: entry.type,
    ...(entry.callId ? { call_id: entry.callId } : {}),
    ...(entry.campaignId ? { campaign_id: entry.campaignId } : {}),
    data: entry.data,
    created_at: entry.createdAt.toISOString(),
  };
}

function wants(subscriber: FeedSubscriber, entry: FeedEntry): boolean {
  if (subscriber.orgId !== entry.orgId) return false;
  if (subscriber.callId && subscriber.callId !== entry.callId) return false;
  return !subscriber.campaignId || subscriber.campaignId === entry.campaignId;
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
      const [calls] = await this.db.select({ max: sql<string | null>`max(${callEvents.id})` }).from(callEvents);
      const [orgs] = await this.db.select({ max: sql<string | null>`max(${orgEvents.id})` }).from(orgEvents);
      if (this.subscribers.size === 0) {
        this.maxSeen = Math.max(Number(calls?.max ?? 0), Number(orgs?.max ?? 0));
        this.gaps.clear();
      }
    }
    this.subscribers.add(subscriber);
    this.schedule();
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  /**
   * Up to `limit` events of an organisation after `afterId` (a client resuming with
   * Last-Event-ID), oldest first; ask again after the last one for more.
   */
  async backlog(orgId: string, afterId: number, filter: { callId?: string | undefined; campaignId?: string | undefined } = {}, limit = 1_000): Promise<FeedEvent[]> {
    const { entries } = await readEntries(this.db, { orgId, after: afterId, ...filter }, limit);
    return entries.map(feedEvent);
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
        const read = await this.read();
        full = read.full || this.again;
        this.deliver(read.entries);
      }
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.polling = undefined;
      this.schedule();
    }
  }

  private read(): Promise<{ entries: FeedEntry[]; full: boolean }> {
    const now = Date.now();
    for (const [id, seenAt] of this.gaps) if (now - seenAt > this.gapTtlMs) this.gaps.delete(id);
    const filter: EntryFilter = { after: this.maxSeen ?? 0, alsoIds: [...this.gaps.keys()] };
    return readEntries(this.db, filter, batchRows);
  }

  private deliver(entries: readonly FeedEntry[]): void {
    const now = Date.now();
    for (const entry of entries) {
      const maxSeen = this.maxSeen ?? 0;
      if (this.gaps.has(entry.id)) this.gaps.delete(entry.id);
      else if (entry.id <= maxSeen) continue;
      else {
        if (entry.id - maxSeen <= maxGapSpan) for (let id = maxSeen + 1; id < entry.id; id++) this.gaps.set(id, now);
        this.maxSeen = entry.id;
      }
      const event = feedEvent(entry);
      for (const subscriber of this.subscribers) {
        if (!wants(subscriber, entry)) continue;
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
