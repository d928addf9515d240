/**
 * The `fetch` the model SDKs are given: node:http(s) on one keep-alive agent per protocol,
 * shared by every provider and call, so a turn's request rides a warm connection and leaves
 * in one write.
 *
 * Why not the global fetch (undici): on the 2-core bench machine (bench/turn.ts) a streamed
 * completion took 1.4 ms (p50) from `fetch()` to the server seeing the request and 2.6 ms to
 * its headers; here 0.7 ms and 1.4 ms. undici sends the headers and then the body as a stream
 * (two writes, two wake-ups of the server) and runs its WHATWG plumbing per request. Requests
 * this cannot send as one buffer (a streamed upload) go to the global fetch unchanged.
 *
 * Behaves like fetch where the SDKs look: a failed connection rejects with
 * `TypeError('fetch failed', { cause })`, a body cut short errors with `TypeError('terminated')`,
 * an abort rejects (or errors the body) with the signal's reason, a redirect is redone by the
 * global fetch. Nothing asks for compression; a compressed answer is inflated anyway. Like
 * undici, an idle socket is dropped a second before the server's `Keep-Alive: timeout=N`, so a
 * request does not race the server closing it.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

const agentOptions = { keepAlive: true, scheduling: 'lifo', noDelay: true } as const;
const agents = { 'http:': new HttpAgent(agentOptions), 'https:': new HttpsAgent(agentOptions) };

/** How long each socket may idle, from its last response's keep-alive hint. */
const idleLimitMs = new WeakMap<Socket, number>();
for (const agent of Object.values(agents)) {
  // Runs after the agent's own 'free' handler has pooled the socket; a pooled socket that
  // times out is destroyed by the agent.
  agent.on('free', (socket: Socket) => {
    const limitMs = idleLimitMs.get(socket);
    if (limitMs !== undefined && !socket.destroyed) socket.setTimeout(limitMs);
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 204, 205, 304]);

/** A fetch for SDK clients (`new OpenAI({ fetch: keepAliveFetch })`). */
export const keepAliveFetch: typeof fetch = async (input, init = {}) => {
  const body = init.body ?? null;
  const url = input instanceof Request ? null : new URL(String(input));
  const protocol = url?.protocol;
  if (!url || (protocol !== 'http:' && protocol !== 'https:') || !(body === null || typeof body === 'string' || body instanceof Uint8Array)) {
    return fetch(input, init);
  }
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw signal.reason;
  const method = (init.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  if (payload) headers['content-length'] = String(payload.byteLength);

  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const send = protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method, headers, agent: agents[protocol] }, resolve);
    const onAbort = (): void => void req.destroy(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('close', () => signal?.removeEventListener('abort', onAbort));
    // A reused socket is busy again: its idle limit no longer applies.
    req.once('socket', (socket: Socket) => socket.setTimeout(0));
    // `on`, not `once`: a socket error after the response also lands here (the body reports it).
    req.on('error', (error) => reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error })));
    // Headers and body leave in one write: one segment, one wake-up of the server.
    req.end(payload ?? undefined);
  });

  noteIdleLimit(res);
  const status = res.statusCode ?? 0;
  const location = res.headers.location;
  if (REDIRECTS.has(status) && location) {
    // Rare for a model API: the global fetch redoes the request and follows it by the rules.
    res.resume();
    return fetch(input, init);
  }
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
    else responseHeaders.set(name, value);
  }
  const hasBody = method !== 'HEAD' && !NULL_BODY.has(status);
  if (!hasBody) res.resume();
  return new Response(hasBody ? bodyStream(res, signal) : null, { status, statusText: res.statusMessage ?? '', headers: responseHeaders });
};

/** `Keep-Alive: timeout=5` lets the socket idle 4 s (half the hint when it is a second or less). */
function noteIdleLimit(res: IncomingMessage): void {
  const hint = /timeout=(\d+)/.exec(String(res.headers['keep-alive'] ?? ''))?.[1];
  if (!hint || !res.socket) return;
  const hintMs = Number(hint) * 1000;
  idleLimitMs.set(res.socket, hintMs > 1000 ? hintMs - 1000 : hintMs / 2);
}

/** The response body as a web stream that errors the way undici's does. */
function bodyStream(res: IncomingMessage, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const inflate =
    encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : null;
  const source = inflate ? res.pipe(inflate) : res;
  let settled = false;
  let fail: (cause: unknown) => void = () => undefined;
  const onAbort = (): void => fail(signal?.reason);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      fail = (cause) => {
        if (settle()) controller.error(signal?.aborted ? signal.reason : new TypeError('terminated', { cause }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      source.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 1) <= 0) source.pause();
      });
      source.once('end', () => {
        if (settle()) controller.close();
      });
      source.on('error', fail);
      if (source !== res) res.on('error', fail);
      // The connection closed before the body ended.
      res.once('close', () => {
        if (!res.complete) fail(new Error('The connection closed before the response ended'));
      });
    },
    pull() {
      source.resume();
    },
    cancel() {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      res.destroy();
    },
  });
}
