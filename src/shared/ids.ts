/** Prefixed, sortable, random identifiers: `call_01J…`. */
import { randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

/** A time-ordered id: 10 chars of milliseconds, 16 chars of randomness, Crockford base32. */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  let time = '';
  let ms = nowMs;
  for (let i = 0; i < 10; i++) {
    time = alphabet[ms % 32] + time;
    ms = Math.floor(ms / 32);
  }
  const random = randomBytes(10);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const value = ((random[byte]! << 8) | (random[byte + 1] ?? 0)) >> (11 - (bit & 7));
    rand += alphabet[value & 31];
  }
  return `${prefix}_${time}${rand}`;
}
