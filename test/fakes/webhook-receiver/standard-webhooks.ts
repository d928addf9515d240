/**
 * An independent Standard Webhooks verifier, written from the spec with node:crypto only, so
 * tests of Parley's signer (which uses the `standardwebhooks` package) do not check a library
 * against itself.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The receiver-side tolerance the spec recommends: 5 minutes either way. */
export const DEFAULT_TOLERANCE_S = 5 * 60;

/** Why a delivery failed verification; `null` when it passed. */
export type VerifyFailure =
  | 'missing_headers'
  | 'bad_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'bad_secret'
  | 'no_matching_signature';

/** HMAC-SHA256 over `${id}.${timestamp}.${body}`, keyed with the base64-decoded secret, in base64. */
export function expectedSignature(secret: string, id: string, timestamp: string, body: string | Buffer): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key)
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest('base64');
}

/**
 * Verifies the three headers against the raw body. `nowS` is the receiver's clock in unix
 * seconds. Header names are matched case-insensitively.
 */
export function verifyStandardWebhook(options: {
  readonly secret: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string | Buffer;
  readonly nowS: number;
  readonly toleranceS?: number;
}): VerifyFailure | null {
  const header = (name: string): string | undefined => {
    for (const [key, value] of Object.entries(options.headers)) {
      if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
    }
    return undefined;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures) return 'missing_headers';
  if (!/^\d+$/.test(timestamp)) return 'bad_timestamp';
  const tolerance = options.toleranceS ?? DEFAULT_TOLERANCE_S;
  const age = options.nowS - Number(timestamp);
  if (age > tolerance) return 'timestamp_too_old';
  if (age < -tolerance) return 'timestamp_too_new';
  if (!options.secret.startsWith('whsec_')) return 'bad_secret';
  const expected = Buffer.from(expectedSignature(options.secret, id, timestamp, options.body));
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1));
    if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return 'no_matching_signature';
}
