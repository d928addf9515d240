/** The delivery log: what was sent where, how it went, and replaying a delivery as a new attempt with the same webhook-id. */
import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { webhookDeliveries, webhookEndpoints } from '../store/schema.js';
import { AppError } from '../shared/errors.js';
import { afterCursor, toPage, type Page, type PageRequest } from '../shared/pagination.js';
import type { DeliveryRow, DeliveryStatus } from './delivery-store.js';
import type { AttemptToEnqueue } from './delivery-queue.js';

export interface DeliveryFilter {
  readonly callId?: string | undefined;
  readonly endpointId?: string | undefined;
  readonly status?: readonly DeliveryStatus[] | undefined;
  readonly eventType?: string | undefined;
}

/** A delivery as the API shows it. */
export interface DeliveryView {
  readonly id: string;
  readonly event_type: string;
  readonly call_id: string | null;
  readonly endpoint_id: string | null;
  /** `endpoint` (an organisation endpoint) or `call` (the call's own webhook_url). */
  readonly target: 'endpoint' | 'call';
  readonly url: string;
  readonly status: string;
  readonly attempts: number;
  readonly last_status_code: number | null;
  readonly last_latency_ms: number | null;
  readonly last_error: string | null;
  /** When the next attempt is due; null once delivered or abandoned. */
  readonly next_attempt_at: string | null;
  readonly created_at: string;
  readonly delivered_at: string | null;
  readonly payload?: Record<string, unknown>;
}

export function deliveryView(row: DeliveryRow, options: { payload?: boolean } = {}): DeliveryView {
  const waiting = row.status === 'pending' || row.status === 'failed';
  return {
    id: row.id,
    event_type: row.eventType,
    call_id: row.callId,
    endpoint_id: row.endpointId,
    target: row.endpointId ? 'endpoint' : 'call',
    url: withoutCredentials(row.targetUrl),
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.lastStatusCode,
    last_latency_ms: row.lastLatencyMs,
    last_error: row.lastError,
    next_attempt_at: waiting ? row.nextAttemptAt.toISOString() : null,
    created_at: row.createdAt.toISOString(),
    delivered_at: row.deliveredAt?.toISOString() ?? null,
    ...(options.payload ? { payload: row.payload } : {}),
  };
}

export class DeliveryLog {
  constructor(
    private readonly db: Db,
    /** Enqueues an attempt (and frees its job id first when `replace`). */
    private readonly enqueue: (attempt: AttemptToEnqueue, options: { replace: boolean }) => Promise<void>,
  ) {}

  async get(orgId: string, id: string): Promise<DeliveryRow> {
    const row = await this.db.query.webhookDeliveries.findFirst({ where: and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.orgId, orgId)) });
    if (!row) throw new AppError('WEBHOOK_DELIVERY_NOT_FOUND', undefined, { details: { delivery_id: id } });
    return row;
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(orgId: string, filter: DeliveryFilter, page: PageRequest): Promise<Page<DeliveryRow>> {
    const d = webhookDeliveries;
    const rows = await this.db
      .select()
      .from(d)
      .where(
        and(
          eq(d.orgId, orgId),
          filter.callId ? eq(d.callId, filter.callId) : undefined,
          filter.endpointId ? eq(d.endpointId, filter.endpointId) : undefined,
          filter.status?.length ? inArray(d.status, [...filter.status]) : undefined,
          filter.eventType ? eq(d.eventType, filter.eventType) : undefined,
          afterCursor(d, page.cursor),
        ),
      )
      .orderBy(desc(d.createdAt), desc(d.id))
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }

  /**
   * Sends a delivery again now, whatever its status (delivered, abandoned, or waiting for a
   * retry): the next attempt of the same delivery, so the same `webhook-id`, freshly signed.
   * It still waits behind any earlier delivery of its call to the same target. If it fails,
   * the retry schedule continues from its attempt count.
   */
  async replay(orgId: string, id: string): Promise<DeliveryRow> {
    const row = await this.get(orgId, id);
    if (row.status === 'delivering') throw new AppError('WEBHOOK_DELIVERY_IN_FLIGHT', undefined, { details: { delivery_id: id } });
    if (row.endpointId) {
      const endpoint = await this.db.query.webhookEndpoints.findFirst({ where: eq(webhookEndpoints.id, row.endpointId), columns: { enabled: true } });
      if (!endpoint?.enabled) {
        throw new AppError('WEBHOOK_ENDPOINT_DISABLED', endpoint ? 'The endpoint is disabled: enable it with PATCH first' : 'The endpoint was deleted', { details: { endpoint_id: row.endpointId } });
      }
    }
    const now = new Date();
    const [updated] = await this.db
      .update(webhookDeliveries)
      .set({ status: 'pending', nextAttemptAt: now })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.attempts, row.attempts), ne(webhookDeliveries.status, 'delivering')))
      .returning();
    if (!updated) throw new AppError('WEBHOOK_DELIVERY_IN_FLIGHT', undefined, { details: { delivery_id: id } });
    // A retry already scheduled for later has this attempt's job id: replace it with one for now.
    await this.enqueue({ deliveryId: id, attempt: updated.attempts + 1, startAfter: null }, { replace: true });
    return updated;
  }
}

/** A URL as shown in the log: user:password@ removed (query strings are the owner's choice). */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
