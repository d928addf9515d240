/** Extra headers sent with deliveries (an endpoint's, or a call's own such as Hamsa's `Authorization: <authKey> <authSecret>`): validation, sealing, display. */
import { z } from 'zod';
import type { SecretBox } from '../shared/secret-box.js';
import { maskSecret } from '../shared/secret-box.js';

/** Enough for an Authorization plus a few routing headers; more is a misconfiguration. */
export const MAX_CUSTOM_HEADERS = 20;
export const MAX_HEADER_VALUE_CHARS = 4096;

/** Headers Parley owns: the signature, and what HTTP itself needs to frame the request. */
const reservedHeaders = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'host',
  'content-length',
  'content-type',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
]);

/** RFC 9110 token characters. */
const headerName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'is not a valid header name')
  .refine((name) => !reservedHeaders.has(name.toLowerCase()), { message: 'is set by Parley and cannot be overridden' });

/** Printable ASCII and tabs: no CR or LF, so a value can never start another header, and nothing an HTTP client refuses to send. */
export const headerValue = z
  .string()
  .max(MAX_HEADER_VALUE_CHARS)
  .regex(/^[\t\x20-\x7e]*$/, 'may hold only printable ASCII characters');

/** `{name: value}` headers for a delivery, at most MAX_CUSTOM_HEADERS, names unique regardless of case. */
export const customHeadersSchema = z
  .record(headerName, headerValue)
  .refine((headers) => Object.keys(headers).length <= MAX_CUSTOM_HEADERS, { message: `holds more than ${MAX_CUSTOM_HEADERS} headers` })
  .refine((headers) => new Set(Object.keys(headers).map((name) => name.toLowerCase())).size === Object.keys(headers).length, {
    message: 'names a header twice (names are case-insensitive)',
  });

export type CustomHeaders = Readonly<Record<string, string>>;

/** Sealed JSON, or null when there are none. */
export function sealHeaders(box: SecretBox, headers: CustomHeaders | undefined | null): string | null {
  if (!headers || Object.keys(headers).length === 0) return null;
  return box.seal(JSON.stringify(headers));
}

export function openHeaders(box: SecretBox, sealed: string | null): CustomHeaders {
  if (!sealed) return {};
  return JSON.parse(box.open(sealed)) as CustomHeaders;
}

/** Names with masked values, for showing an endpoint: values often are credentials. */
export function maskHeaders(headers: CustomHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, maskSecret(value)]));
}
