/** X-Twilio-Signature: HMAC-SHA1 over the URL Twilio requested plus its sorted POST parameters. */
import { timingSafeEqual } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';

/** Form parameters as a body parser hands them over (repeated keys as arrays). */
export type TwilioSignedParams = Readonly<Record<string, string | readonly string[] | undefined>>;

const defaultPorts: Record<string, string> = { 'https:': '443', 'wss:': '443', 'http:': '80', 'ws:': '80' };

/** Drops undefined values, which a body parser may leave and Twilio never signs. */
function definedParams(params: TwilioSignedParams): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) result[key] = typeof value === 'string' ? value : [...value];
  }
  return result;
}

/** The signature Twilio sends for `url` and `params` (the SDK computes the HMAC). */
export function computeTwilioSignature(authToken: string, url: string, params: TwilioSignedParams = {}): string {
  return getExpectedTwilioSignature(authToken, url, definedParams(params));
}

/**
 * The URL as given, and with the scheme's default port added or removed: Twilio signs the URL
 * as configured, and proxies may add or drop an explicit `:443`/`:80`. Only the default port
 * of the URL's own scheme is touched (the SDK's helper treats wss as port 80).
 */
export function signatureUrlCandidates(url: string): string[] {
  const match = /^([a-z][a-z0-9+.-]*:)\/\/([^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)(?::(\d+))?(.*)$/is.exec(url);
  if (!match) return [url];
  const [, scheme, userInfo = '', host, port, rest] = match;
  const defaultPort = defaultPorts[scheme!.toLowerCase()];
  if (defaultPort === undefined) return [url];
  const base = `${scheme}//${userInfo}${host}`;
  if (port === undefined) return [url, `${base}:${defaultPort}${rest}`];
  if (port === defaultPort) return [url, `${base}${rest}`];
  return [url];
}

/** True when `signature` is Twilio's for `url` and `params`, compared in constant time. */
export function verifyTwilioSignature(input: {
  readonly authToken: string;
  readonly url: string;
  readonly params?: TwilioSignedParams;
  readonly signature: string | undefined;
}): boolean {
  const { authToken, url, params = {}, signature } = input;
  if (!signature) return false;
  const given = Buffer.from(signature);
  return signatureUrlCandidates(url).some((candidate) => {
    const expected = Buffer.from(computeTwilioSignature(authToken, candidate, params));
    // The expected length is fixed by SHA-1, so checking it first leaks nothing secret.
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
