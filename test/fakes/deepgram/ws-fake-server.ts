/**
 * Plumbing the speech-vendor fakes share (Deepgram, ElevenLabs, Cartesia): a real HTTP
 * server on 127.0.0.1:0 whose upgrades the fake accepts or refuses with an HTTP status, as
 * the vendors do for bad keys, rate limits and outages.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/** An upgrade refused with this HTTP answer. */
export interface UpgradeRejection {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The request line and headers of one accepted or refused upgrade. */
export interface UpgradeRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** A started fake: its ws:// base URL and how to stop it. */
export interface WsFakeServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Parses what the fakes need from an upgrade request. */
export function upgradeRequestOf(request: IncomingMessage): UpgradeRequest {
  const url = new URL(request.url ?? '/', 'http://fake');
  return { path: url.pathname, query: url.searchParams, headers: request.headers };
}

/**
 * Starts a WebSocket server. `decide` sees each upgrade and returns a rejection, or null to
 * accept it, after which `onConnection` gets the socket.
 */
export async function startWsFakeServer(handlers: {
  decide(request: UpgradeRequest): UpgradeRejection | null;
  onConnection(socket: WebSocket, request: UpgradeRequest): void;
}): Promise<WsFakeServer> {
  const server = createServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain' }).end('Upgrade Required');
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const parsed = upgradeRequestOf(request);
    const rejection = handlers.decide(parsed);
    if (rejection) {
      const body = rejection.body ?? '';
      const headers = {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
        Connection: 'close',
        ...rejection.headers,
      };
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
      socket.end(`HTTP/1.1 ${rejection.status} ${STATUS_CODES[rejection.status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => handlers.onConnection(ws, parsed));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    server,
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves when `predicate` holds, checking after every event the fake reports through `notify`. */
export class Waiters {
  private readonly waiting = new Set<() => void>();

  /** Call after anything a test may wait for has changed. */
  notify(): void {
    for (const check of [...this.waiting]) check();
  }

  /** Waits (up to `timeoutMs`, default 5 s) for `predicate` to hold. */
  until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiting.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.delete(check);
        reject(new Error(`fake: timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiting.add(check);
      check();
    });
  }
}
