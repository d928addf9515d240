/**
 * Voicing documents its call ids as UUIDs. A Parley id (`call_` + 26 Crockford base32 chars: 50
 * bits of milliseconds, 80 random) fits in 128 bits until the year 10889, so each call has exactly
 * one UUID spelling and back, computed, with nothing stored (the way a ULID maps onto a UUID).
 */
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const prefix = 'call_';
const idLength = 26;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The UUID spelling of a Parley call id, or null for anything that is not one. */
export function callIdToUuid(id: string): string | null {
  if (!id.startsWith(prefix) || id.length !== prefix.length + idLength) return null;
  let value = 0n;
  for (const char of id.slice(prefix.length)) {
    const digit = alphabet.indexOf(char);
    if (digit < 0) return null;
    value = (value << 5n) | BigInt(digit);
  }
  if (value >> 128n !== 0n) return null;
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The Parley call id a UUID spells, or null when the text is not a UUID. */
export function uuidToCallId(uuid: string): string | null {
  if (!uuidPattern.test(uuid)) return null;
  let value = BigInt(`0x${uuid.replaceAll('-', '')}`);
  let id = '';
  for (let i = 0; i < idLength; i++) {
    id = alphabet[Number(value & 31n)] + id;
    value >>= 5n;
  }
  return prefix + id;
}

/** Either spelling of a call id -> the Parley id (unknown text passes through, to be not found). */
export function nativeCallId(id: string): string {
  return uuidToCallId(id) ?? id;
}
