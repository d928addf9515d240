/** SSRF guard for webhook URLs: resolve at delivery time, refuse internal addresses, pin what was checked. */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all its addresses; `dns.lookup` with `all: true` by default. */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface CheckTargetOptions {
  /**
   * Let loopback, RFC 1918, unique-local, link-local and CGNAT addresses through: for a
   * self-hosted server whose receivers live on the same network. Cloud metadata addresses,
   * unspecified, multicast, broadcast and reserved ranges stay refused even then.
   */
  readonly allowPrivate: boolean;
  /** Replaces DNS (tests, or a resolver the operator controls). */
  readonly lookup?: HostLookup;
}

/** Why a target was refused. `dns_failed` is transient; the others are the URL's fault. */
export type TargetRefusalReason = 'invalid_url' | 'scheme' | 'blocked_address' | 'dns_failed' | 'no_address';

/** A target that passed: connect to `addresses` (all checked), never re-resolve `hostname`. */
export interface AllowedTarget {
  readonly ok: true;
  readonly url: URL;
  /** The host name without IPv6 brackets: what goes in `Host` and the TLS servername. */
  readonly hostname: string;
  readonly port: number;
  /** The first address, the one to use when only one is wanted. */
  readonly address: string;
  readonly family: 4 | 6;
  readonly addresses: readonly ResolvedAddress[];
}

export interface RefusedTarget {
  readonly ok: false;
  readonly reason: TargetRefusalReason;
  /** Safe to log and show the user: it names the range, never the whole URL. */
  readonly message: string;
  /** The range name (ipaddr.js vocabulary) of the address that was refused. */
  readonly range?: string;
}

export type TargetCheck = AllowedTarget | RefusedTarget;

/** How one address is treated: public, private (allowed only with `allowPrivate`) or never. */
export type AddressVerdict =
  | { readonly kind: 'public'; readonly range: string }
  | { readonly kind: 'private'; readonly range: string }
  | { readonly kind: 'blocked'; readonly range: string };

// Instance metadata services hand out cloud credentials: never a webhook target. AWS (v4, v6),
// ECS task metadata, Alibaba (inside CGNAT space). GCP and Azure use 169.254.169.254 too.
const metadataAddresses = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

const privateV4 = new Set(['loopback', 'private', 'linkLocal', 'carrierGradeNat']);
const privateV6 = new Set(['loopback', 'uniqueLocal', 'linkLocal']);

/**
 * Classifies one IP address. Only ipaddr.js's `unicast` (global) range is public; IPv6 forms
 * that carry an IPv4 address (mapped, translated, NAT64 well-known prefix, 6to4) are judged by
 * the IPv4 address inside, so `::ffff:127.0.0.1` is loopback.
 */
export function classifyAddress(address: string): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return { kind: 'blocked', range: 'invalid' };
  }
  if (metadataAddresses.has(parsed.toNormalizedString()) || metadataAddresses.has(parsed.toString())) {
    return { kind: 'blocked', range: 'metadata' };
  }
  if (parsed.kind() === 'ipv4') return classifyV4(parsed as ipaddr.IPv4);
  return classifyV6(parsed as ipaddr.IPv6);
}

function classifyV4(address: ipaddr.IPv4): AddressVerdict {
  if (metadataAddresses.has(address.toString())) return { kind: 'blocked', range: 'metadata' };
  const range = address.range();
  if (range === 'unicast') return { kind: 'public', range };
  if (privateV4.has(range)) return { kind: 'private', range };
  return { kind: 'blocked', range };
}

function classifyV6(address: ipaddr.IPv6): AddressVerdict {
  const range = address.range();
  const parts = address.parts;
  switch (range) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
      return embedded(range, embeddedV4(parts[6]!, parts[7]!));
    case 'rfc6052': {
      // Only the well-known 64:ff9b::/96 puts the IPv4 address in the last 32 bits; the
      // local-use 64:ff9b:1::/48 prefix can place it elsewhere, so it is refused outright.
      if (parts[2] !== 0) return { kind: 'blocked', range };
      return embedded(range, embeddedV4(parts[6]!, parts[7]!));
    }
    case '6to4': // 2002:AABB:CCDD::/48 routes to a.b.c.d
      return embedded(range, embeddedV4(parts[1]!, parts[2]!));
    case 'unicast':
      // ::a.b.c.d (IPv4-compatible, deprecated by RFC 4291): no global address looks like this.
      if (parts.slice(0, 6).every((part) => part === 0)) return { kind: 'blocked', range: 'ipv4Compatible' };
      return { kind: 'public', range };
    default:
      if (privateV6.has(range)) return { kind: 'private', range };
      // teredo, reserved, discard, deprecatedSiteLocal, multicast, unspecified, …
      return { kind: 'blocked', range };
  }
}

function embeddedV4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function embedded(outer: string, inner: ipaddr.IPv4): AddressVerdict {
  const verdict = classifyV4(inner);
  return verdict.kind === 'public' ? { kind: 'public', range: outer } : { ...verdict, range: `${outer}:${verdict.range}` };
}

/** True when the verdict lets a delivery go out under the given policy. */
export function isAllowedAddress(verdict: AddressVerdict, allowPrivate: boolean): boolean {
  return verdict.kind === 'public' || (verdict.kind === 'private' && allowPrivate);
}

const systemLookup: HostLookup = async (hostname) => {
  const results = await dnsLookup(hostname, { all: true, verbatim: true });
  return results.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

/**
 * Checks a webhook URL just before a delivery. Every address the host resolves to must pass:
 * a name that answers with one public and one internal address is refused, because the client
 * could be steered to either. The caller connects only to the returned `addresses`, so a DNS
 * answer that changes between this check and the connection (rebinding) has no effect.
 */
export async function checkTarget(url: string | URL, options: CheckTargetOptions): Promise<TargetCheck> {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : new URL(url.href);
  } catch {
    return refuse('invalid_url', 'The webhook URL is not a valid absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return refuse('scheme', 'The webhook URL must use http or https');
  }
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (hostname === '') return refuse('invalid_url', 'The webhook URL has no host');
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);

  let addresses: readonly ResolvedAddress[];
  const literal = isIP(hostname);
  if (literal !== 0) {
    addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await (options.lookup ?? systemLookup)(hostname);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return refuse('dns_failed', `The webhook host could not be resolved${typeof code === 'string' ? ` (${code})` : ''}`);
    }
    if (addresses.length === 0) return refuse('no_address', 'The webhook host has no address');
  }

  for (const entry of addresses) {
    const verdict = classifyAddress(entry.address);
    if (!isAllowedAddress(verdict, options.allowPrivate)) {
      const what = verdict.kind === 'private' ? 'a private network address' : 'an address that is never allowed';
      return { ok: false, reason: 'blocked_address', message: `The webhook host resolves to ${what} (${verdict.range})`, range: verdict.range };
    }
  }
  const first = addresses[0]!;
  return { ok: true, url: parsed, hostname, port, address: first.address, family: first.family, addresses };
}

function refuse(reason: TargetRefusalReason, message: string): RefusedTarget {
  return { ok: false, reason, message };
}
