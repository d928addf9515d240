/** One webhook delivery attempt over node:http(s): pinned address, no redirects, hard deadline, capped bodies. */
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { checkTarget, type HostLookup, type ResolvedAddress } from './safe-target.js';

/** 256 KiB: a long call's transcript fits with room to spare; anything bigger is a bug upstream. */
export const DEFAULT_MAX_REQUEST_BYTES = 256 * 1024;

/** Why an attempt failed. `invalid_request` (body too big, bad header) never succeeds on retry. */
export const deliveryErrorCategories = ['timeout', 'connection', 'refused_target', 'http', 'invalid_request'] as const;
export type DeliveryErrorCategory = (typeof deliveryErrorCategories)[number];

export interface DeliveryError {
  readonly category: DeliveryErrorCategory;
  /** Safe to store and show: status, error code or range, never the URL, body or headers. */
  readonly message: string;
  /** Whether another attempt could succeed without anyone changing the endpoint or the event. */
  readonly retryable: boolean;
}

/** The outcome of one attempt, for the delivery log and the retry decision. */
export interface DeliveryResult {
  /** A 2xx status arrived. */
  readonly ok: boolean;
  readonly statusCode?: number;
  /** From the start of the attempt (including DNS) to its outcome. */
  readonly latencyMs: number;
  readonly error?: DeliveryError;
  /** The first `maxResponseBytes` of the response body as UTF-8. */
  readonly responseSnippet?: string;
  /** The response body was longer than the cap, or cut off by the deadline. */
  readonly responseTruncated?: boolean;
}

export interface SendWebhookOptions {
  readonly url: string;
  /** Signature and custom headers. Host, Content-Length, Connection and Transfer-Encoding are ours. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  /** Total budget of the attempt: DNS, connect, TLS, upload, status and body. */
  readonly timeoutMs: number;
  /** Response bytes kept; the rest is not read (the socket is closed). */
  readonly maxResponseBytes: number;
  /** See `checkTarget`: lets private-network receivers through. */
  readonly allowPrivate: boolean;
  readonly maxRequestBytes?: number;
  /** Replaces DNS for the target check (tests, custom resolvers). */
  readonly lookup?: HostLookup;
  /** Extra CA certificates to trust for https receivers (a private PKI, or tests). */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  readonly userAgent?: string;
}

const ownedHeaders = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade']);

/**
 * Posts one signed event to a receiver. Never throws and never follows a redirect: a 3xx is a
 * failure to report (following it would let a public URL bounce the request inward). A slow or
 * silent receiver is cut off at `timeoutMs` by destroying the socket, so it cannot hold a worker.
 */
export async function sendWebhook(options: SendWebhookOptions): Promise<DeliveryResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  if (body.length > maxRequestBytes) {
    return failure(elapsed(), 'invalid_request', `Request body is ${body.length} bytes, over the ${maxRequestBytes}-byte limit`);
  }
  if (!(options.timeoutMs > 0) || !(options.maxResponseBytes >= 0)) {
    return failure(elapsed(), 'invalid_request', 'timeoutMs must be positive and maxResponseBytes not negative');
  }

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  try {
    const target = await Promise.race([checkTarget(options.url, { allowPrivate: options.allowPrivate, lookup: options.lookup }), deadline]);
    if (target === 'timeout') return failure(elapsed(), 'timeout', `No answer within ${options.timeoutMs} ms (resolving the host)`);
    if (!target.ok) {
      const transient = target.reason === 'dns_failed' || target.reason === 'no_address';
      return failure(elapsed(), transient ? 'connection' : 'refused_target', target.message);
    }
    return await new Promise<DeliveryResult>((resolve) => {
      attempt(options, body, target, deadline, elapsed, resolve);
    });
  } finally {
    clearTimeout(timer);
  }
}

function attempt(
  options: SendWebhookOptions,
  body: Buffer,
  target: { url: URL; hostname: string; port: number; addresses: readonly ResolvedAddress[] },
  deadline: Promise<'timeout'>,
  elapsed: () => number,
  resolve: (result: DeliveryResult) => void,
): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'user-agent': options.userAgent ?? 'Parley-Webhooks/1',
  };
  for (const [name, value] of Object.entries(options.headers)) {
    if (!ownedHeaders.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  headers['content-length'] = body.length;
  headers.connection = 'close';

  const isHttps = target.url.protocol === 'https:';
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  let statusCode: number | undefined;
  let settled = false;
  let request: http.ClientRequest;

  const settle = (result: DeliveryResult): void => {
    if (settled) return;
    settled = true;
    // agent:false gives this request its own socket; destroying it frees everything at once.
    request?.destroy();
    resolve(result);
  };
  const settleWithStatus = (): void => {
    const code = statusCode!;
    const snippet = chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
    const extra = { ...(snippet !== undefined ? { responseSnippet: snippet } : {}), ...(truncated ? { responseTruncated: true } : {}) };
    if (code >= 200 && code < 300) return settle({ ok: true, statusCode: code, latencyMs: elapsed(), ...extra });
    const message = code >= 300 && code < 400 ? `Receiver answered ${code}; redirects are not followed` : `Receiver answered ${code}`;
    settle({ ok: false, statusCode: code, latencyMs: elapsed(), error: { category: 'http', message, retryable: true }, ...extra });
  };

  const auth = target.url.username || target.url.password
    ? `${decodeURIComponent(target.url.username)}:${decodeURIComponent(target.url.password)}`
    : undefined;
  try {
    request = (isHttps ? https : http).request({
      method: 'POST',
      protocol: target.url.protocol,
      hostname: target.hostname,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      headers,
      auth,
      agent: false,
      lookup: pinnedLookup(target.addresses),
      ...(isHttps ? tlsOptions(target.hostname, options.ca) : {}),
    });
  } catch (error) {
    // Node refuses header names or values with control characters before any I/O.
    const code = (error as { code?: unknown }).code;
    return settle(failure(elapsed(), 'invalid_request', `Request could not be built${typeof code === 'string' ? ` (${code})` : ''}`));
  }

  void deadline.then(() => {
    if (settled) return;
    // The status already arrived: the receiver has the event; only its body was slow.
    if (statusCode !== undefined) {
      truncated = true;
      return settleWithStatus();
    }
    settle(failure(elapsed(), 'timeout', `No answer within ${options.timeoutMs} ms`));
  });

  request.on('response', (response) => {
    statusCode = response.statusCode ?? 0;
    if (options.maxResponseBytes === 0) return settleWithStatus();
    response.on('data', (chunk: Buffer) => {
      const room = options.maxResponseBytes - kept;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        kept += room;
        truncated = truncated || chunk.length > room;
        // Stop reading here; a receiver streaming megabytes does not get to keep us busy.
        return settleWithStatus();
      }
      chunks.push(chunk);
      kept += chunk.length;
    });
    response.on('end', settleWithStatus);
    response.on('error', settleWithStatus);
    response.on('aborted', settleWithStatus);
  });
  request.on('error', (error: NodeJS.ErrnoException) => {
    if (settled) return;
    if (statusCode !== undefined) return settleWithStatus();
    settle(failure(elapsed(), 'connection', `Connection failed${error.code ? ` (${error.code})` : ''}`));
  });
  request.end(body);
}

/** Answers the socket's DNS question with the addresses already checked: no second resolution. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return ((_hostname: string, options: unknown, callback?: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { family?: unknown; all?: boolean };
    const family = opts.family === 4 || opts.family === 'IPv4' ? 4 : opts.family === 6 || opts.family === 'IPv6' ? 6 : 0;
    const usable = addresses.filter((entry) => family === 0 || entry.family === family);
    const first = usable[0];
    if (!first) {
      const error: NodeJS.ErrnoException = Object.assign(new Error('No checked address of the requested family'), { code: 'ENOTFOUND' });
      return cb(error, '', 0);
    }
    if (opts.all) return cb(null, usable.map((entry) => ({ address: entry.address, family: entry.family })));
    cb(null, first.address, first.family);
  }) as LookupFunction;
}

function tlsOptions(hostname: string, ca: SendWebhookOptions['ca']): https.RequestOptions {
  // SNI carries names only (RFC 6066); for an IP literal the certificate is checked against the IP.
  const isName = !/^[\d.]+$/.test(hostname) && !hostname.includes(':');
  return {
    ...(isName ? { servername: hostname } : {}),
    ...(ca !== undefined ? { ca: Array.isArray(ca) ? [...ca] : (ca as string | Buffer) } : {}),
  };
}

function failure(latencyMs: number, category: DeliveryErrorCategory, message: string): DeliveryResult {
  const retryable = category === 'timeout' || category === 'connection' || category === 'http';
  return { ok: false, latencyMs, error: { category, message, retryable } };
}
