/** Standard Webhooks signing of outgoing events: `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** The prefix Standard Webhooks gives secrets; the rest is the base64 of the key bytes. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** 24 bytes is the spec's floor for a key (192 bits); 64 its ceiling. We generate 32 by default. */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;
const DEFAULT_SECRET_BYTES = 32;

/** The three headers a receiver verifies. Names are lower case, as the spec writes them. */
export interface WebhookSignatureHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** What to sign. `body` must be the exact bytes that go on the wire. */
export interface SignWebhookInput {
  /**
   * One `whsec_…` secret, or several while a secret is being rotated: the receiver accepts a
   * delivery if any `v1,` signature in the space-separated list matches its secret.
   */
  readonly secret: string | readonly string[];
  /** The message id: stable across retries of one event so receivers can deduplicate. */
  readonly id: string;
  /** Unix seconds of this attempt; receivers refuse anything older than 5 minutes. */
  readonly timestampS: number;
  readonly body: string | Buffer;
}

/** An invalid secret or id: a configuration fault of ours, never a reason to retry. */
export class WebhookSigningError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'WebhookSigningError';
  }
}

/** Signs one delivery attempt; returns the headers to send with the body. */
export function signWebhook(input: SignWebhookInput): WebhookSignatureHeaders {
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  if (secrets.length === 0) throw new WebhookSigningError('At least one webhook secret is required');
  // The id goes into the signed string as `${id}.${timestamp}.`: a dot or space in it would let
  // one (id, timestamp) pair collide with another, and a space would break the header list.
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(input.id)) {
    throw new WebhookSigningError('Webhook message id must be 1-255 characters of [A-Za-z0-9_-]');
  }
  if (!Number.isSafeInteger(input.timestampS) || input.timestampS < 0) {
    throw new WebhookSigningError('Webhook timestamp must be a whole number of unix seconds');
  }
  const timestamp = new Date(input.timestampS * 1000);
  const signatures = secrets.map((secret) => webhookFor(secret).sign(input.id, timestamp, input.body));
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestampS),
    'webhook-signature': signatures.join(' '),
  };
}

/** A new signing secret: `whsec_` + base64 of `bytes` random bytes (24 to 64, default 32). */
export function generateWebhookSecret(bytes: number = DEFAULT_SECRET_BYTES): string {
  if (!Number.isInteger(bytes) || bytes < WEBHOOK_SECRET_MIN_BYTES || bytes > WEBHOOK_SECRET_MAX_BYTES) {
    throw new RangeError(`A webhook secret has ${WEBHOOK_SECRET_MIN_BYTES} to ${WEBHOOK_SECRET_MAX_BYTES} bytes`);
  }
  return WEBHOOK_SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** True when `secret` is `whsec_` followed by canonical base64 of 24 to 64 bytes. */
export function isValidWebhookSecret(secret: string): boolean {
  return secretKeyBytes(secret) !== null;
}

function secretKeyBytes(secret: string): Buffer | null {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return null;
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') skips invalid characters silently; re-encoding catches that.
  const key = Buffer.from(encoded, 'base64');
  if (key.toString('base64') !== encoded) return null;
  if (key.length < WEBHOOK_SECRET_MIN_BYTES || key.length > WEBHOOK_SECRET_MAX_BYTES) return null;
  return key;
}

function webhookFor(secret: string): Webhook {
  if (secretKeyBytes(secret) === null) {
    throw new WebhookSigningError(
      `Webhook secret must be "${WEBHOOK_SECRET_PREFIX}" + base64 of ${WEBHOOK_SECRET_MIN_BYTES}-${WEBHOOK_SECRET_MAX_BYTES} bytes`,
    );
  }
  try {
    return new Webhook(secret);
  } catch (error) {
    throw new WebhookSigningError('Webhook secret could not be loaded', { cause: error });
  }
}
