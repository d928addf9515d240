import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_REQUEST_BYTES, sendWebhook, type SendWebhookOptions } from './http-sender.js';
import type { HostLookup } from './safe-target.js';

const tlsDir = new URL('../../test/fakes/webhook-receiver/tls/', import.meta.url);
const cert = readFileSync(new URL('cert.pem', tlsDir));
const key = readFileSync(new URL('key.pem', tlsDir));

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  servername?: string | false | null;
}

/** A raw receiver whose handler each test writes; records what arrived. */
async function startServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  options: { tls?: boolean } = {},
): Promise<{ port: number; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        servername: options.tls ? (req.socket as TLSSocket).servername : undefined,
      });
      handler(req, res);
    });
  };
  const server = options.tls ? https.createServer({ cert, key }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  servers.push(close);
  return { port: (server.address() as AddressInfo).port, seen, close };
}

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

const base: Omit<SendWebhookOptions, 'url'> = {
  headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': '1735689600', 'webhook-signature': 'v1,abc=' },
  body: '{"type":"call.completed"}',
  timeoutMs: 2000,
  maxResponseBytes: 64,
  allowPrivate: true,
};

/** Answers `first` once, then `next`: a second resolution (rebinding) would show up as `next`. */
function rebindingLookup(first: string, next: string): HostLookup & { readonly calls: number } {
  let calls = 0;
  const lookup: HostLookup = async () => {
    calls += 1;
    return [{ address: calls === 1 ? first : next, family: 4 }];
  };
  return Object.defineProperty(lookup, 'calls', { get: () => calls }) as HostLookup & { readonly calls: number };
}

describe('sendWebhook', () => {
  it('posts the body and headers and reports a 2xx as success with latency and a snippet', async () => {
    const server = await startServer((_req, res) => res.writeHead(204).end());
    const result = await sendWebhook({ ...base, url: `http://127.0.0.1:${server.port}/hooks?org=1` });
    expect(result).toMatchObject({ ok: true, statusCode: 204 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.error).toBeUndefined();
    const [request] = server.seen;
    expect(request).toMatchObject({ method: 'POST', url: '/hooks?org=1', body: '{"type":"call.completed"}' });
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': '25',
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1735689600',
      'webhook-signature': 'v1,abc=',
      host: `127.0.0.1:${server.port}`,
      connection: 'close',
    });
    expect(request!.headers['user-agent']).toMatch(/^Parley-Webhooks/);
  });

  it('keeps Host, Content-Length and Connection for itself', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end());
    await sendWebhook({
      ...base,
      url: `http://127.0.0.1:${server.port}/`,
      headers: { Host: 'evil.example', 'Content-Length': '1', Connection: 'keep-alive', Authorization: 'Token secret' },
    });
    expect(server.seen[0]!.headers).toMatchObject({
      host: `127.0.0.1:${server.port}`,
      'content-length': '25',
      connection: 'close',
      authorization: 'Token secret',
    });
  });

  it('sends URL credentials as basic auth', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end());
    await sendWebhook({ ...base, url: `http://hook%40user:p%3Ass@127.0.0.1:${server.port}/` });
    expect(server.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('hook@user:p:ss').toString('base64')}`);
  });

  it.each([400, 401, 404, 410, 429, 500, 503])('reports a %i as an http failure with the status', async (status) => {
    const server = await startServer((_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end('nope'));
    const result = await sendWebhook({ ...base, url: `http://127.0.0.1:${server.port}/` });
    expect(result).toMatchObject({ ok: false, statusCode: status, responseSnippet: 'nope', error: { category: 'http' } });
  });

  it.each([301, 302, 303, 307, 308])('does not follow a %i', async (status) => {
    const server = await startServer((req, res) => {
      if (req.url === '/moved') res.writeHead(200).end();
      else res.writeHead(status, { location: '/moved' }).end();
    });
    const result = await sendWebhook({ ...base, url: `http://127.0.0.1:${server.port}/` });
    expect(result).toMatchObject({ ok: false, statusCode: status, error: { category: 'http' } });
    expect(server.seen.map((s) => s.url)).toEqual(['/']);
  });

  it('keeps only maxResponseBytes of a huge response and stops reading', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      // 8 MiB: far more than the sender should ever read.
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = (): void => {
        while (sent < 128 && !res.destroyed) {
          sent += 1;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const result = await sendWebhook({ ...base, url: `http://127.0.0.1:${server.port}/`, maxResponseBytes: 100 });
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseTruncated: true });
    expect(result.responseSnippet).toBe('x'.repeat(100));
  });

  it('reads no body at all when maxResponseBytes is 0', async () => {
    const server = await startServer((_req, res) => res.writeHead(202).end('accepted'));
    const result = await sendWebhook({ ...base, url: `http://127.0.0.1:${server.port}/`, maxResponseBytes: 0 });
    expect(result).toMatchObject({ ok: true, statusCode: 202 });
    expect(result.responseSnippet).toBeUndefined();
  });

  it('reports by status when the receiver answers but stalls its body past the deadline', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const result = await sendWebhook({ ...base, url: `http://127.0.0.1:${server.port}/`, timeoutMs: 150 });
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseSnippet: 'partial', responseTruncated: true });
    expect(result.latencyMs).toBeGreaterThanOrEqual(140);
  });

  it('refuses a body over the request cap before connecting', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end());
    const result = await sendWebhook({
      ...base,
      url: `http://127.0.0.1:${server.port}/`,
      body: 'x'.repeat(DEFAULT_MAX_REQUEST_BYTES + 1),
    });
    expect(result).toMatchObject({ ok: false, error: { category: 'invalid_request', retryable: false } });
    const atCap = await sendWebhook({ ...base, url: `http://127.0.0.1:${server.port}/`, body: 'y'.repeat(1000), maxRequestBytes: 1000 });
    expect(atCap.ok).toBe(true);
    expect(server.seen).toHaveLength(1);
  });

  it('refuses a private target unless allowed, without sending anything', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end());
    const result = await sendWebhook({ ...base, url: `http://127.0.0.1:${server.port}/`, allowPrivate: false });
    expect(result).toMatchObject({ ok: false, error: { category: 'refused_target', retryable: false } });
    expect(server.seen).toHaveLength(0);
  });

  it('refuses non-http schemes', async () => {
    const result = await sendWebhook({ ...base, url: 'ftp://hooks.example.com/x' });
    expect(result.error).toMatchObject({ category: 'refused_target', retryable: false });
  });

  it('reports a name that does not resolve as a retryable connection failure', async () => {
    const lookup: HostLookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const result = await sendWebhook({ ...base, url: 'https://hooks.example.com/', lookup });
    expect(result.error).toMatchObject({ category: 'connection', retryable: true });
    expect(result.error?.message).toContain('ENOTFOUND');
  });

  it('counts a resolver that never answers against the deadline', async () => {
    const lookup: HostLookup = () => new Promise(() => undefined);
    const result = await sendWebhook({ ...base, url: 'https://hooks.example.com/', lookup, timeoutMs: 50 });
    expect(result.error).toMatchObject({ category: 'timeout', retryable: true });
  });

  it('connects to the address it checked and never resolves the name twice', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end());
    // A second resolution would answer 127.0.0.2, where nothing listens.
    const lookup = rebindingLookup('127.0.0.1', '127.0.0.2');
    const result = await sendWebhook({ ...base, url: `http://hooks.parley.test:${server.port}/in`, lookup });
    expect(result.ok).toBe(true);
    expect(lookup.calls).toBe(1);
    expect(server.seen[0]!.headers.host).toBe(`hooks.parley.test:${server.port}`);
  });

  it('speaks TLS to the pinned address with the host name as SNI and certificate name', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end('ok'), { tls: true });
    const lookup = rebindingLookup('127.0.0.1', '127.0.0.2');
    const result = await sendWebhook({ ...base, url: `https://hooks.parley.test:${server.port}/tls`, lookup, ca: cert });
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseSnippet: 'ok' });
    expect(server.seen[0]).toMatchObject({ url: '/tls', servername: 'hooks.parley.test' });
    expect(server.seen[0]!.headers.host).toBe(`hooks.parley.test:${server.port}`);
    expect(lookup.calls).toBe(1);
  });

  it('fails the TLS handshake for an untrusted certificate', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end(), { tls: true });
    const lookup = rebindingLookup('127.0.0.1', '127.0.0.1');
    const result = await sendWebhook({ ...base, url: `https://hooks.parley.test:${server.port}/`, lookup });
    expect(result).toMatchObject({ ok: false, error: { category: 'connection' } });
    expect(server.seen).toHaveLength(0);
  });

  it('fails the TLS handshake when the certificate names another host', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end(), { tls: true });
    const lookup = rebindingLookup('127.0.0.1', '127.0.0.1');
    const result = await sendWebhook({ ...base, url: `https://other.parley.test:${server.port}/`, lookup, ca: cert });
    expect(result.error).toMatchObject({ category: 'connection' });
    expect(result.error?.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('refuses header values with line breaks before connecting', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end());
    const result = await sendWebhook({
      ...base,
      url: `http://127.0.0.1:${server.port}/`,
      headers: { 'x-custom': 'a\r\nx-injected: 1' },
    });
    expect(result.error).toMatchObject({ category: 'invalid_request', retryable: false });
    expect(server.seen).toHaveLength(0);
  });

  it('refuses nonsensical limits', async () => {
    const result = await sendWebhook({ ...base, url: 'http://127.0.0.1:1/', timeoutMs: 0 });
    expect(result.error?.category).toBe('invalid_request');
  });
});
