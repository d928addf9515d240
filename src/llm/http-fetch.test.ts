// keepAliveFetch against a local node:http server: connection reuse, and failing the way undici's fetch does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keepAliveFetch } from './http-fetch.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('keepAliveFetch', () => {
  let server: Server;
  let base: string;
  let connections: number;
  let handler: Handler;

  beforeEach(async () => {
    connections = 0;
    handler = (req, body, res) => res.end(JSON.stringify({ method: req.method, body, length: req.headers['content-length'] }));
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the body with its length and reuses one connection for requests in turn', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await keepAliveFetch(`${base}/echo`, { method: 'post', headers: { 'content-type': 'application/json' }, body: `{"n":${i}}` });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ method: 'POST', body: `{"n":${i}}`, length: '7' });
    }
    expect(connections).toBe(1);
  });

  it('drops an idle socket before the server times it out, and opens a new one', async () => {
    // Node's server says `Keep-Alive: timeout=1`; the socket may idle half of that.
    server.keepAliveTimeout = 1000;
    await (await keepAliveFetch(`${base}/a`)).text();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const response = await keepAliveFetch(`${base}/b`);
    expect(response.ok).toBe(true);
    await response.text();
    expect(connections).toBe(2);
  });

  it('rejects an unreachable server with TypeError("fetch failed")', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await keepAliveFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
  });

  it('errors the body with TypeError("terminated") when the connection drops mid-body', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n', () => res.socket?.destroy());
    };
    const response = await keepAliveFetch(`${base}/stream`);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
    const error = await reader.read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ message: 'terminated' });
  });

  it("rejects with the signal's reason when aborted before the headers", async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const pending = keepAliveFetch(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBe(controller.signal.reason);
    expect(error).toMatchObject({ name: 'AbortError' });
  });

  it("errors the body with the signal's reason when aborted mid-body, and closes the connection", async () => {
    let closedByClient = false;
    handler = (req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      req.socket.once('close', () => (closedByClient = true));
    };
    const controller = new AbortController();
    const response = await keepAliveFetch(`${base}/stream`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => closedByClient).toBe(true);
  });

  it('inflates a gzip answer', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync('{"ok":true}'));
    };
    expect(await (await keepAliveFetch(`${base}/zipped`)).json()).toEqual({ ok: true });
  });

  it('gives a 204 no body', async () => {
    handler = (_req, _body, res) => res.writeHead(204).end();
    const response = await keepAliveFetch(`${base}/empty`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('follows a redirect, keeping the method and body of a 307', async () => {
    handler = (req, body, res) => {
      if (req.url === '/old') res.writeHead(307, { location: '/new' }).end();
      else res.end(JSON.stringify({ path: req.url, method: req.method, body }));
    };
    const response = await keepAliveFetch(`${base}/old`, { method: 'POST', body: '{"a":1}' });
    expect(await response.json()).toEqual({ path: '/new', method: 'POST', body: '{"a":1}' });
  });

  it('hands a streamed upload to the global fetch', async () => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const response = await keepAliveFetch(`${base}/upload`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(await response.json()).toMatchObject({ method: 'POST', body: 'streamed' });
  });
});
