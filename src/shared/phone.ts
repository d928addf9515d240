/** E.164 phone numbers, validated with libphonenumber's full metadata. */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The E.164 form of a valid international number, or null. Input must start with '+'. */
export function toE164(input: string): string | null {
  const trimmed = input.trim();
  if (!trimmed.startsWith('+') || trimmed.length > 32) return null;
  const parsed = parsePhoneNumberFromString(trimmed);
  if (!parsed || !parsed.isValid()) return null;
  return parsed.number;
}

/** The last digit decides the simulated callee's behaviour. */
export function lastDigit(e164: string): number {
  return Number(e164[e164.length - 1]);
}
