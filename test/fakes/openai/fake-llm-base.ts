/** What the fake LLM servers share: the script vocabulary, request recording and the node:http plumbing. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One tool call the fake model makes; its arguments JSON arrives in `argumentPieces`. */
export interface FakeToolCall {
  readonly id?: string;
  readonly name: string;
  readonly argumentPieces: readonly string[];
}

/** An HTTP error answer in the vendor's error JSON. */
export interface FakeHttpError {
  readonly status: number;
  /** Vendor error type, e.g. `rate_limit_error`, `insufficient_quota`; a per-status default otherwise. */
  readonly type?: string;
  readonly code?: string | null;
  readonly message?: string;
}

/**
 * What the fake model does for one request. Both fakes (OpenAI, Anthropic) play the same
 * vocabulary, so one contract suite can script either. A "piece" is one content delta or one
 * tool-call fragment (the first fragment of a call, then one per arguments piece).
 */
export interface FakeLlmScript {
  /** Content deltas, one chunk each, sent before any tool call. */
  readonly text?: readonly string[];
  readonly toolCalls?: readonly FakeToolCall[];
  /** Native finish reason to report (`stop`, `length`, `end_turn`, `max_tokens`…); derived when absent. */
  readonly finishReason?: string;
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /** Before the response headers (what a client's request timeout measures). */
  readonly headersDelayMs?: number;
  /** After the headers, before the first event (time to first token). */
  readonly firstTokenDelayMs?: number;
  readonly chunkDelayMs?: number;
  /** Answer with this HTTP error instead of a completion. */
  readonly error?: FakeHttpError;
  /** After this many pieces, send the vendor's in-stream error event and end the response. */
  readonly streamError?: { readonly afterPieces: number; readonly type: string; readonly message?: string };
  /** After this many pieces, destroy the socket (a mid-stream disconnect). */
  readonly disconnectAfterPieces?: number;
  /** After this many pieces, send nothing more and hold the connection until the client leaves. */
  readonly stallAfterPieces?: number;
}

/** A request as the fake received it. */
export interface RecordedLlmRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body (undefined when the body was not JSON). */
  readonly body: unknown;
  readonly receivedAtMs: number;
  /**
   * What the fake itself took, on its own `performance.now()` clock: when it had the whole
   * request, and (the OpenAI fake) when it wrote the first piece of a streamed answer. A
   * benchmark subtracts the part past the scripted delay (a timer firing late, the fake's own
   * parsing), which is not the client's.
   */
  readonly timing: { readonly bodyAt: number; firstPieceAt?: number };
}

/** Picks the script for a request. */
export type FakeLlmHandler = (request: RecordedLlmRequest) => FakeLlmScript | Promise<FakeLlmScript>;

/** Options both fakes take. */
export interface FakeLlmServerOptions {
  /** The key the fake accepts; `null` accepts any or none (a local server such as Ollama). */
  readonly apiKey?: string | null;
  /** Used when the queue is empty. Default: a short fixed reply. */
  readonly handler?: FakeLlmHandler;
  /** Server-wide latency used when a script gives none (benchmarks). */
  readonly firstTokenDelayMs?: number;
  readonly chunkDelayMs?: number;
}

/** The control surface both fakes expose to tests and benchmarks. */
export interface FakeLlmServer {
  /** What to give the SDK as `baseURL`. */
  readonly baseUrl: string;
  readonly requests: readonly RecordedLlmRequest[];
  /** Scripts the next requests in order; the handler answers once the queue is empty. */
  enqueue(...scripts: FakeLlmScript[]): void;
  /** Replaces the handler. */
  respond(handler: FakeLlmHandler): void;
  /** Requests whose response is still being written. */
  readonly openResponses: number;
  close(): Promise<void>;
}

/** The sequence of pieces a script sends, in wire order. */
export type FakePiece =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'tool_start'; readonly callIndex: number; readonly id: string; readonly name: string }
  | { readonly kind: 'tool_args'; readonly callIndex: number; readonly text: string };

/** Flattens a script into wire-order pieces; tool ids are filled with `makeId` when absent. */
export function scriptPieces(script: FakeLlmScript, makeId: (index: number) => string): FakePiece[] {
  const pieces: FakePiece[] = (script.text ?? []).map((text) => ({ kind: 'text' as const, text }));
  (script.toolCalls ?? []).forEach((call, callIndex) => {
    pieces.push({ kind: 'tool_start', callIndex, id: call.id ?? makeId(callIndex), name: call.name });
    for (const text of call.argumentPieces) pieces.push({ kind: 'tool_args', callIndex, text });
  });
  return pieces;
}

/** A rough token count (4 characters per token), for usage when a script gives none. */
export function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Resolves after `ms`, or at once when the response has gone away. */
export function pause(ms: number, res: ServerResponse): Promise<void> {
  if (ms <= 0 || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    res.once('close', done);
    function done(): void {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    }
  });
}

/** Resolves when the client closes the connection (a stall ends only this way or at server close). */
export function untilClosed(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.once('close', () => resolve()));
}

/**
 * Drops the connection the way a network failure does, after what was written has left: a
 * plain destroy would discard queued chunks and the client would never see the text before it.
 */
export function destroyAfterFlush(res: ServerResponse): Promise<void> {
  const socket = res.socket;
  if (!socket || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    // Socket writes are ordered: this empty one completes after every chunk queued before it.
    socket.write('', () => {
      socket.destroy();
      resolve();
    });
  });
}

/** Writes one JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Starts the SSE response headers. */
export function startEventStream(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  res.flushHeaders();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What a vendor fake plugs into the shared server. */
export interface FakeLlmRoute {
  /** Answers one recorded request, taking its script from `nextScript` when it gets that far. */
  (request: RecordedLlmRequest, res: ServerResponse, nextScript: () => Promise<FakeLlmScript>): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1:0 that records requests and hands them to `route`. */
export async function startFakeLlmServer(
  route: FakeLlmRoute,
  options: FakeLlmServerOptions & { readonly basePath: string; readonly defaultHandler: FakeLlmHandler },
): Promise<FakeLlmServer> {
  const requests: RecordedLlmRequest[] = [];
  const queue: FakeLlmScript[] = [];
  let handler = options.handler ?? options.defaultHandler;
  let openResponses = 0;
  const sockets = new Set<Socket>();

  const withLatency = (script: FakeLlmScript): FakeLlmScript => ({
    ...script,
    firstTokenDelayMs: script.firstTokenDelayMs ?? options.firstTokenDelayMs,
    chunkDelayMs: script.chunkDelayMs ?? options.chunkDelayMs,
  });

  const server: Server = createServer((req, res) => {
    openResponses++;
    res.once('close', () => openResponses--);
    void (async () => {
      const raw = await readBody(req);
      const bodyAt = performance.now();
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const recorded: RecordedLlmRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers,
        body,
        receivedAtMs: Date.now(),
        timing: { bodyAt },
      };
      requests.push(recorded);
      await route(recorded, res, async () => withLatency(queue.shift() ?? (await handler(recorded))));
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake failed: ${String(error)}` } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${options.basePath}`,
    requests,
    enqueue: (...scripts) => void queue.push(...scripts),
    respond: (next) => void (handler = next),
    get openResponses() {
      return openResponses;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
