/** Signing secrets at rest: an endpoint's (sealed, with the previous one kept while a rotation overlaps) and the organisation's for calls' own webhook_url. */
import { createHmac } from 'node:crypto';
import type { SecretBox } from '../shared/secret-box.js';
import { WEBHOOK_SECRET_PREFIX } from './signer.js';

/** What an endpoint's `secret_sealed` column holds once opened. */
export interface EndpointSecrets {
  readonly current: string;
  /** The secret before the last rotation, still signed with until `previousExpiresAt`. */
  readonly previous?: string;
  readonly previousExpiresAt?: string;
}

export function sealEndpointSecrets(box: SecretBox, secrets: EndpointSecrets): string {
  return box.seal(JSON.stringify(secrets));
}

export function openEndpointSecrets(box: SecretBox, sealed: string): EndpointSecrets {
  const plain = box.open(sealed);
  // A bare `whsec_…` is accepted too, so a secret sealed by hand (or an older row) still works.
  if (plain.startsWith(WEBHOOK_SECRET_PREFIX)) return { current: plain };
  const parsed = JSON.parse(plain) as EndpointSecrets;
  if (typeof parsed.current !== 'string') throw new Error('sealed webhook secret has no current secret');
  return parsed;
}

/**
 * The secrets a delivery is signed with at `now`: the current one, plus the previous one while
 * the rotation overlap lasts, so receivers still holding the old secret keep verifying.
 */
export function signingSecrets(secrets: EndpointSecrets, now: Date): string[] {
  const keepPrevious = secrets.previous !== undefined && secrets.previousExpiresAt !== undefined && new Date(secrets.previousExpiresAt).getTime() > now.getTime();
  return keepPrevious ? [secrets.current, secrets.previous!] : [secrets.current];
}

/**
 * The secret that signs deliveries to calls' own `webhook_url`: derived from the server's
 * encryption key and the organisation, so it needs no storage and is the same in every
 * process that shares the key (as sealed secrets already require).
 */
export function callWebhookSecret(serverKey: string, orgId: string): string {
  const key = createHmac('sha256', serverKey).update(`parley/call-webhook-secret/v1/${orgId}`).digest();
  return WEBHOOK_SECRET_PREFIX + key.toString('base64');
}
