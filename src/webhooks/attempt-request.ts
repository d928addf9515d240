/** The wire form of one delivery attempt: where it goes now, its signed headers (with the target's own) and its exact body. */
import { eq } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { calls, webhookEndpoints } from '../store/schema.js';
import type { SecretBox } from '../shared/secret-box.js';
import { signWebhook } from './signer.js';
import { openEndpointSecrets, signingSecrets, type EndpointSecrets } from './endpoint-secrets.js';
import { openHeaders } from './custom-headers.js';
import type { WebhookEventType } from './events.js';
import type { DeliveryRow } from './delivery-store.js';

export interface AttemptRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface AttemptRequestDeps {
  readonly db: Db;
  readonly box: SecretBox;
  /** Decides whether a rotated-out secret still signs. */
  readonly now: () => Date;
  /** The organisation's secrets for deliveries to a call's own webhook_url. */
  readonly callSecrets: (orgId: string) => Promise<EndpointSecrets>;
}

/**
 * Builds an attempt from the delivery and the target as it is now: an endpoint's current URL,
 * secrets and headers (so a fixed URL or a rotated secret applies to waiting deliveries), or the
 * call's own headers. Signed at this moment, so every retry carries a fresh timestamp under the
 * same `webhook-id`. An endpoint deleted or disabled meanwhile means the delivery is abandoned.
 */
export async function prepareAttempt(deps: AttemptRequestDeps, row: DeliveryRow): Promise<AttemptRequest | { abandon: string }> {
  const { db, box } = deps;
  let url = row.targetUrl;
  let secrets: string[];
  let extra: Readonly<Record<string, string>>;
  if (row.endpointId) {
    const endpoint = await db.query.webhookEndpoints.findFirst({ where: eq(webhookEndpoints.id, row.endpointId) });
    if (!endpoint) return { abandon: 'The endpoint was deleted' };
    if (!endpoint.enabled) return { abandon: 'The endpoint is disabled' };
    url = endpoint.url;
    secrets = signingSecrets(openEndpointSecrets(box, endpoint.secretSealed), deps.now());
    extra = openHeaders(box, endpoint.headersSealed);
  } else {
    const call = row.callId ? await db.query.calls.findFirst({ where: eq(calls.id, row.callId), columns: { webhookHeadersSealed: true } }) : undefined;
    secrets = signingSecrets(await deps.callSecrets(row.orgId), deps.now());
    extra = openHeaders(box, call?.webhookHeadersSealed ?? null);
  }
  const payload = row.payload as { type: WebhookEventType; timestamp: string; data: unknown };
  // The envelope's keys in their documented order (jsonb stores them in its own).
  const body = JSON.stringify({ type: payload.type, timestamp: payload.timestamp, data: payload.data });
  const signature = signWebhook({ secret: secrets, id: row.id, timestampS: Math.floor(Date.now() / 1000), body });
  return { url, headers: { ...extra, ...signature }, body };
}
