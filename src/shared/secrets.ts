/** Random secrets shown once and stored only as a hash with a visible prefix. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret like `pk_3kT…` (192 random bits, base64url). */
export function generateSecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/** SHA-256 hex. The secrets are long and random, so a slow password hash buys nothing. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The part of a secret safe to show in lists: its prefix and first characters. */
export function visiblePrefix(secret: string): string {
  return secret.slice(0, secret.indexOf('_') + 7);
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
