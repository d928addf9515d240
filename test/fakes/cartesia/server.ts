/**
 * A Cartesia TTS WebSocket fake (`/tts/websocket`) on 127.0.0.1:0. It checks `api_key` and
 * `cartesia_version` in the query, validates each generation request (model, voice, raw
 * pcm_mulaw 8 kHz output), records every message, and streams `chunk` messages of base64
 * μ-law that is scripted speech of each input, then `done` after the `continue:false` input.
 * `cancel` stops a context's queued audio (optionally letting a few in-flight chunks out
 * first, as the real service may). It can misbehave: refuse the upgrade, delay the first
 * byte, pace chunks, drop the connection, or answer a context with an `error` message.
 */
import type { WebSocket } from 'ws';
import { ScriptedSpeechEncoder } from '../../../src/media/scripted-speech.js';
import { Waiters, startWsFakeServer, type UpgradeRequest } from '../deepgram/ws-fake-server.js';
import { PacedAudio, type AudioPacing } from '../elevenlabs/paced-audio.js';

/** Ways the fake misbehaves; change them at any time. */
export interface CartesiaFakeBehaviour extends AudioPacing {
  rejectUpgradeWith?: number;
  /** Terminate the TCP connection after sending this many chunks on it. */
  dropAfterChunks?: number;
  /** Answer the next new context with this error instead of audio. */
  errorForNextContext?: { readonly statusCode: number; readonly error: string };
  /** Chunks still sent for a context after its cancel (in flight). Default 0. */
  chunksAfterCancel?: number;
}

/** One accepted connection, as recorded. */
export interface CartesiaFakeConnection {
  readonly request: UpgradeRequest;
  readonly received: Array<Record<string, unknown>>;
  chunks: number;
  closed: boolean;
  closeCode?: number;
}

/** A started Cartesia fake. */
export interface CartesiaFake {
  readonly url: string;
  readonly apiKey: string;
  readonly connections: CartesiaFakeConnection[];
  readonly behaviour: CartesiaFakeBehaviour;
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Closes every open connection from the server side (an idle timeout, a deploy). */
  closeConnections(code?: number, reason?: string): void;
  close(): Promise<void>;
}

interface FakeContext {
  readonly audio: PacedAudio;
  readonly encoder: ScriptedSpeechEncoder;
  ended: boolean;
  failed: boolean;
}

/** Why a generation request is invalid, or null. */
function invalidRequest(message: Record<string, unknown>): string | null {
  if (typeof message.model_id !== 'string' || !message.model_id) return 'model_id is required';
  if (typeof message.transcript !== 'string') return 'transcript is required';
  const voice = message.voice as { mode?: unknown; id?: unknown } | undefined;
  if (voice?.mode !== 'id' || typeof voice.id !== 'string') return 'voice must be {"mode":"id","id":...}';
  const format = message.output_format as { container?: unknown; encoding?: unknown; sample_rate?: unknown } | undefined;
  if (format?.container !== 'raw' || format.encoding !== 'pcm_mulaw' || format.sample_rate !== 8000) {
    return 'the fake only speaks raw pcm_mulaw at 8000 Hz';
  }
  if (typeof message.context_id !== 'string' || !message.context_id) return 'context_id is required';
  return null;
}

/** Starts the fake; `msPerChar` sets the speaking pace of its scripted speech. */
export async function startCartesiaFake(
  options: { apiKey?: string; msPerChar?: number; behaviour?: CartesiaFakeBehaviour } = {},
): Promise<CartesiaFake> {
  const apiKey = options.apiKey ?? 'sk_car_test';
  const behaviour: CartesiaFakeBehaviour = { ...options.behaviour };
  const connections: CartesiaFakeConnection[] = [];
  const waiters = new Waiters();
  const sockets = new Set<WebSocket>();

  const server = await startWsFakeServer({
    decide(request) {
      if (behaviour.rejectUpgradeWith) return { status: behaviour.rejectUpgradeWith, body: '{"error":"fake rejection"}' };
      if (request.path !== '/tts/websocket') return { status: 404, body: '{"error":"not found"}' };
      if (request.query.get('api_key') !== apiKey) return { status: 401, body: '{"error":"Invalid API key"}' };
      if (!/^\d{4}-\d{2}-\d{2}$/.test(request.query.get('cartesia_version') ?? '')) {
        return { status: 400, body: '{"error":"cartesia_version is required"}' };
      }
      return null;
    },
    onConnection: (socket, request) => serve(socket, request),
  });

  function serve(socket: WebSocket, request: UpgradeRequest): void {
    const record: CartesiaFakeConnection = { request, received: [], chunks: 0, closed: false };
    connections.push(record);
    sockets.add(socket);
    waiters.notify();
    const contexts = new Map<string, FakeContext>();
    const sendJson = (message: Record<string, unknown>): boolean => {
      if (socket.readyState !== socket.OPEN) return false;
      socket.send(JSON.stringify(message));
      waiters.notify();
      return true;
    };
    const sendChunk = (contextId: string, chunk: Buffer): boolean => {
      if (!sendJson({ type: 'chunk', data: chunk.toString('base64'), done: false, status_code: 206, step_time: 12.5, context_id: contextId })) {
        return false;
      }
      record.chunks++;
      if (behaviour.dropAfterChunks !== undefined && record.chunks >= behaviour.dropAfterChunks) {
        socket.terminate();
        return false;
      }
      return true;
    };
    const fail = (contextId: unknown, statusCode: number, error: string) =>
      sendJson({ type: 'error', context_id: contextId, status_code: statusCode, done: true, error });

    socket.on('message', (data, isBinary) => {
      // A connection the fake is closing takes no more input, as a closing server would not.
      if (socket.readyState !== socket.OPEN) return;
      if (isBinary) {
        socket.close(1003, 'binary messages are not supported');
        return;
      }
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        fail(undefined, 400, 'invalid JSON');
        return;
      }
      record.received.push(message);
      waiters.notify();
      const contextId = message.context_id;
      if (message.cancel === true) {
        const context = typeof contextId === 'string' ? contexts.get(contextId) : undefined;
        context?.audio.stopAfter(behaviour.chunksAfterCancel ?? 0);
        if (typeof contextId === 'string') contexts.delete(contextId);
        return;
      }
      const invalid = invalidRequest(message);
      if (invalid) {
        fail(contextId, 400, invalid);
        return;
      }
      const id = contextId as string;
      let context = contexts.get(id);
      if (!context) {
        context = {
          audio: new PacedAudio(() => behaviour, (chunk) => sendChunk(id, chunk)),
          encoder: new ScriptedSpeechEncoder({ msPerChar: options.msPerChar }),
          ended: false,
          failed: false,
        };
        contexts.set(id, context);
        const planned = behaviour.errorForNextContext;
        if (planned) {
          behaviour.errorForNextContext = undefined;
          context.failed = true;
          fail(id, planned.statusCode, planned.error);
        }
      }
      if (context.failed) return;
      if (context.ended) {
        fail(id, 400, 'the context has already finished');
        return;
      }
      const transcript = message.transcript as string;
      if (transcript) context.audio.enqueue(context.encoder.encode(transcript));
      if (message.continue !== true) {
        context.ended = true;
        const finished = context;
        finished.audio.whenIdle(() => {
          if (contexts.get(id) !== finished) return;
          contexts.delete(id);
          sendJson({ type: 'done', done: true, status_code: 200, context_id: id });
        });
      }
    });
    socket.on('close', (code) => {
      sockets.delete(socket);
      for (const context of contexts.values()) context.audio.stop();
      record.closed = true;
      record.closeCode = code;
      waiters.notify();
    });
  }

  return {
    url: server.url,
    apiKey,
    connections,
    behaviour,
    until: (predicate, timeoutMs) => waiters.until(predicate, timeoutMs, 'cartesia fake condition'),
    closeConnections(code = 1000, reason = '') {
      for (const socket of sockets) socket.close(code, reason);
    },
    close: () => server.close(),
  };
}
