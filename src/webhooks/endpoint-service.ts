/** Webhook endpoints of an organisation: create (secret shown once), read, update, delete, rotate the secret. */
import { and, count, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { webhookDeliveries, webhookEndpoints } from '../store/schema.js';
import { AppError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { afterCursor, toPage, type Page, type PageRequest } from '../shared/pagination.js';
import type { SecretBox } from '../shared/secret-box.js';
import { checkTarget, type HostLookup } from './safe-target.js';
import { generateWebhookSecret } from './signer.js';
import { openEndpointSecrets, sealEndpointSecrets } from './endpoint-secrets.js';
import { maskHeaders, openHeaders, sealHeaders, type CustomHeaders } from './custom-headers.js';
import type { WebhookEventType } from './events.js';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;

/** Each event fans out to every endpoint; Stripe stops at 16, and 20 leaves room. */
export const MAX_ENDPOINTS_PER_ORG = 20;
/** How long the previous secret keeps signing after a rotation, unless the request says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_S = 24 * 60 * 60;

export interface EndpointInput {
  readonly url: string;
  readonly events?: readonly WebhookEventType[] | undefined;
  readonly description?: string | null | undefined;
  readonly headers?: CustomHeaders | undefined;
  readonly enabled?: boolean | undefined;
}

export type EndpointPatch = Partial<EndpointInput>;

export interface EndpointServiceOptions {
  /** PARLEY_WEBHOOK_ALLOW_PRIVATE: receivers on loopback or private networks are allowed. */
  readonly allowPrivate: boolean;
  readonly lookup?: HostLookup;
  readonly now: () => Date;
}

/** The endpoint as the API shows it: never the secret, header values masked. */
export interface EndpointView {
  readonly id: string;
  readonly url: string;
  readonly description: string | null;
  readonly events: string[];
  readonly headers: Record<string, string>;
  readonly enabled: boolean;
  readonly disabled_reason: string | null;
  readonly failing_since: string | null;
  readonly last_success_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export class WebhookEndpointService {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly options: EndpointServiceOptions,
  ) {}

  view(row: EndpointRow): EndpointView {
    const iso = (date: Date | null) => date?.toISOString() ?? null;
    return {
      id: row.id,
      url: maskUrlPassword(row.url),
      description: row.description,
      events: row.events,
      headers: maskHeaders(openHeaders(this.box, row.headersSealed)),
      enabled: row.enabled,
      disabled_reason: row.disabledReason,
      failing_since: iso(row.failingSince),
      last_success_at: iso(row.lastSuccessAt),
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    };
  }

  /** Creates an endpoint; the returned secret is never shown again. */
  async create(orgId: string, input: EndpointInput): Promise<{ endpoint: EndpointRow; secret: string }> {
    await this.assertDeliverable(input.url);
    const [existing] = await this.db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.orgId, orgId));
    if ((existing?.n ?? 0) >= MAX_ENDPOINTS_PER_ORG) {
      throw new AppError('WEBHOOK_ENDPOINT_LIMIT', `An organisation may have at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints`, { details: { max: MAX_ENDPOINTS_PER_ORG } });
    }
    const secret = generateWebhookSecret();
    const enabled = input.enabled ?? true;
    const [row] = await this.db
      .insert(webhookEndpoints)
      .values({
        id: newId('whep'),
        orgId,
        url: input.url,
        description: input.description ?? null,
        events: uniqueEvents(input.events),
        secretSealed: sealEndpointSecrets(this.box, { current: secret }),
        headersSealed: sealHeaders(this.box, input.headers),
        enabled,
        disabledReason: enabled ? null : disabledByRequest,
      })
      .returning();
    return { endpoint: row!, secret };
  }

  async get(orgId: string, id: string): Promise<EndpointRow> {
    const row = await this.db.query.webhookEndpoints.findFirst({ where: and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.orgId, orgId)) });
    if (!row) throw new AppError('WEBHOOK_ENDPOINT_NOT_FOUND', undefined, { details: { endpoint_id: id } });
    return row;
  }

  async list(orgId: string, page: PageRequest): Promise<Page<EndpointRow>> {
    const rows = await this.db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.orgId, orgId), afterCursor(webhookEndpoints, page.cursor)))
      .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id))
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }

  /**
   * Updates what the patch names. Re-enabling clears the failure record (a fresh start for the
   * disabling rule); disabling abandons the deliveries still waiting, as an automatic disable does.
   * A new URL applies to waiting deliveries too: they are sent to wherever the endpoint points.
   */
  async update(orgId: string, id: string, patch: EndpointPatch): Promise<EndpointRow> {
    const current = await this.get(orgId, id);
    if (patch.url !== undefined) await this.assertDeliverable(patch.url);
    const enabling = patch.enabled === true && !current.enabled;
    const disabling = patch.enabled === false && current.enabled;
    return this.db.transaction(async (tx) => {
      // FOR UPDATE waits for call events reading the endpoint as enabled (see fan-out), so
      // the deliveries they add are among those abandoned below.
      if (disabling) await tx.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).for('update');
      const [row] = await tx
        .update(webhookEndpoints)
        .set({
          ...(patch.url !== undefined ? { url: patch.url } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.events !== undefined ? { events: uniqueEvents(patch.events) } : {}),
          ...(patch.headers !== undefined ? { headersSealed: sealHeaders(this.box, patch.headers) } : {}),
          ...(enabling ? { enabled: true, disabledReason: null, failingSince: null } : {}),
          ...(disabling ? { enabled: false, disabledReason: disabledByRequest } : {}),
          updatedAt: this.options.now(),
        })
        .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.orgId, orgId)))
        .returning();
      if (disabling) await abandonWaiting(tx, id, 'The endpoint was disabled');
      return row!;
    });
  }

  /** Deletes the endpoint; its waiting deliveries are abandoned and stay in the log. */
  async remove(orgId: string, id: string): Promise<void> {
    await this.get(orgId, id);
    await this.db.transaction(async (tx) => {
      await tx.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.orgId, orgId)));
      await abandonWaiting(tx, id, 'The endpoint was deleted');
    });
  }

  /**
   * Replaces the signing secret. The previous one keeps signing beside it for `overlapS` seconds
   * (both signatures go in `webhook-signature`), so receivers can switch without dropping events.
   */
  async rotateSecret(orgId: string, id: string, overlapS: number = DEFAULT_ROTATION_OVERLAP_S): Promise<{ endpoint: EndpointRow; secret: string; previousExpiresAt: Date | null }> {
    const current = await this.get(orgId, id);
    const secrets = openEndpointSecrets(this.box, current.secretSealed);
    const secret = generateWebhookSecret();
    const now = this.options.now();
    const previousExpiresAt = overlapS > 0 ? new Date(now.getTime() + overlapS * 1000) : null;
    const sealed = sealEndpointSecrets(this.box, {
      current: secret,
      ...(previousExpiresAt ? { previous: secrets.current, previousExpiresAt: previousExpiresAt.toISOString() } : {}),
    });
    const [row] = await this.db
      .update(webhookEndpoints)
      .set({ secretSealed: sealed, updatedAt: now })
      .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.orgId, orgId)))
      .returning();
    return { endpoint: row!, secret, previousExpiresAt };
  }

  /**
   * Refuses at save time what delivery would refuse anyway (an endpoint's URL, a call's own
   * `webhook_url`); delivery checks again, since DNS can change. `field` names it in the error.
   */
  async assertDeliverable(url: string, field = 'url'): Promise<void> {
    const checked = await checkTarget(url, { allowPrivate: this.options.allowPrivate, ...(this.options.lookup ? { lookup: this.options.lookup } : {}) });
    // A name that does not resolve yet is accepted: DNS may not have propagated, and every
    // delivery re-checks the address it is about to use.
    if (checked.ok || checked.reason === 'dns_failed' || checked.reason === 'no_address') return;
    throw new AppError('WEBHOOK_URL_REFUSED', checked.message, {
      details: { field, reason: checked.reason, ...(checked.range ? { range: checked.range } : {}), ...(checked.reason === 'blocked_address' ? { hint: 'Set PARLEY_WEBHOOK_ALLOW_PRIVATE=1 to allow receivers on private networks' } : {}) },
    });
  }
}

const disabledByRequest = 'Disabled through the API';

/** Marks an endpoint's waiting deliveries abandoned, with why. */
export async function abandonWaiting(tx: Db, endpointId: string, reason: string): Promise<void> {
  await tx
    .update(webhookDeliveries)
    .set({ status: 'abandoned', lastError: reason })
    .where(and(eq(webhookDeliveries.endpointId, endpointId), inArray(webhookDeliveries.status, ['pending', 'failed'])));
}

function uniqueEvents(events: readonly WebhookEventType[] | undefined): string[] {
  return [...new Set(events ?? [])];
}

/** An endpoint saved before credentials in URLs were refused shows its password masked, as headers are. */
function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:••••@');
}
