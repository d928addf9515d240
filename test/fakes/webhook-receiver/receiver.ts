/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1:0 that verifies Standard
 * Webhooks signatures with the independent verifier, records every delivery, and can be
 * switched into the failure modes a delivery worker must survive.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TOLERANCE_S, verifyStandardWebhook, type VerifyFailure } from './standard-webhooks.js';

/** How the receiver answers. */
export type ReceiverMode =
  /** Answers `status` (default 200) with `body` (default `{"received":true}`). */
  | { readonly kind: 'ok'; readonly status?: number; readonly body?: string }
  /** The listener is closed: connections are refused. */
  | { readonly kind: 'down' }
  /** Answers `status` (default 500). */
  | { readonly kind: 'fail'; readonly status?: number }
  /** Reads the request and never answers. */
  | { readonly kind: 'hang' }
  /** Answers 200 after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Answers `status` (default 302) with a Location on this same receiver. */
  | { readonly kind: 'redirect'; readonly status?: number; readonly location?: string };

export type ReceiverModeKind = ReceiverMode['kind'];

/** One request as it arrived, with the verdict of the signature check. */
export interface RecordedDelivery {
  readonly method: string;
  readonly path: string;
  /** `webhook-id` header. */
  readonly id: string | undefined;
  /** `webhook-timestamp` header (unix seconds, as sent). */
  readonly timestamp: string | undefined;
  /** `type` of the JSON envelope, when the body is one. */
  readonly type: string | undefined;
  /** The raw body exactly as received. */
  readonly body: string;
  readonly json: unknown;
  readonly headers: http.IncomingHttpHeaders;
  readonly verified: boolean;
  readonly verifyFailure: VerifyFailure | null;
  /** The mode the receiver was in when the request arrived. */
  readonly mode: ReceiverModeKind;
  readonly receivedAtMs: number;
}

export interface WebhookReceiverOptions {
  /** The `whsec_…` secret deliveries must be signed with. */
  readonly secret: string;
  /** The receiver's clock in unix seconds, for the timestamp tolerance check. */
  readonly nowS?: () => number;
  readonly toleranceS?: number;
  readonly mode?: ReceiverMode;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/webhooks`: where to point an endpoint. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly deliveries: readonly RecordedDelivery[];
  readonly mode: ReceiverMode;
  /** Switches mode; going to or from `down` closes or reopens the listener on the same port. */
  setMode(mode: ReceiverMode | ReceiverModeKind): Promise<void>;
  /** Resolves once at least `count` deliveries arrived; rejects after `timeoutMs`. */
  waitForDeliveries(count: number, timeoutMs?: number): Promise<readonly RecordedDelivery[]>;
  /** Sockets the server has seen close, for asserting that a sender let go. */
  readonly closedConnections: number;
  close(): Promise<void>;
}

const defaultBody = '{"received":true}';

/** Starts a receiver; call `close()` in `afterEach`. */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const deliveries: RecordedDelivery[] = [];
  const waiters: Array<() => void> = [];
  const pendingTimers = new Set<NodeJS.Timeout>();
  let mode: ReceiverMode = options.mode ?? { kind: 'ok' };
  let closedConnections = 0;
  let listening = false;
  const nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      const failure = verifyStandardWebhook({
        secret: options.secret,
        headers: request.headers,
        body: raw,
        nowS: nowS(),
        toleranceS: options.toleranceS ?? DEFAULT_TOLERANCE_S,
      });
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const type = typeof json === 'object' && json !== null && typeof (json as { type?: unknown }).type === 'string'
        ? (json as { type: string }).type
        : undefined;
      deliveries.push({
        method: request.method ?? '',
        path: request.url ?? '',
        id: header(request, 'webhook-id'),
        timestamp: header(request, 'webhook-timestamp'),
        type,
        body,
        json,
        headers: request.headers,
        verified: failure === null,
        verifyFailure: failure,
        mode: mode.kind,
        receivedAtMs: Date.now(),
      });
      for (const wake of waiters.splice(0)) wake();
      answer(mode, response);
    });
  });
  server.on('connection', (socket) => socket.on('close', () => (closedConnections += 1)));

  function answer(current: ReceiverMode, response: http.ServerResponse): void {
    switch (current.kind) {
      case 'ok':
        response.writeHead(current.status ?? 200, { 'content-type': 'application/json' }).end(current.body ?? defaultBody);
        return;
      case 'fail':
        response.writeHead(current.status ?? 500, { 'content-type': 'application/json' }).end('{"error":"receiver failing"}');
        return;
      case 'hang':
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          pendingTimers.delete(timer);
          if (!response.destroyed) response.writeHead(200, { 'content-type': 'application/json' }).end(defaultBody);
        }, current.delayMs);
        pendingTimers.add(timer);
        return;
      }
      case 'redirect':
        response.writeHead(current.status ?? 302, { location: current.location ?? '/webhooks/moved' }).end();
        return;
      case 'down':
        // A request accepted just before the listener closed: drop it like a dead host would.
        response.socket?.destroy();
        return;
    }
  }

  async function listen(port: number): Promise<number> {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    listening = true;
    return (server.address() as AddressInfo).port;
  }

  async function stopListening(): Promise<void> {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  const port = await listen(0);
  if (mode.kind === 'down') await stopListening();
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/webhooks`,
    origin,
    port,
    get deliveries() {
      return deliveries;
    },
    get mode() {
      return mode;
    },
    get closedConnections() {
      return closedConnections;
    },
    async setMode(next) {
      const nextMode: ReceiverMode = typeof next === 'string' ? defaultMode(next) : next;
      if (nextMode.kind === 'down') await stopListening();
      else if (!listening) await listen(port);
      mode = nextMode;
    },
    waitForDeliveries(count, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (deliveries.length < count) return false;
          clearTimeout(timer);
          resolve(deliveries);
          return true;
        };
        const timer = setTimeout(() => reject(new Error(`Expected ${count} deliveries, got ${deliveries.length}`)), timeoutMs);
        if (check()) return;
        const wait = (): void => {
          if (!check()) waiters.push(wait);
        };
        waiters.push(wait);
      });
    },
    async close() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      await stopListening();
    },
  };
}

function defaultMode(kind: ReceiverModeKind): ReceiverMode {
  if (kind === 'slow') return { kind, delayMs: 1000 };
  return { kind } as ReceiverMode;
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
