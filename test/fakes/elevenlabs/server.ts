/**
 * An ElevenLabs TTS WebSocket fake on 127.0.0.1:0. It speaks `/v1/text-to-speech/{voice}/
 * multi-stream-input` (contexts, flush, close_context -> isFinal, close_socket) and, for
 * completeness, the single-context `/stream-input` (BOS, text, flush, `{"text":""}` -> EOS).
 * It checks the `xi-api-key` header and the query, records every message, and answers with
 * base64 μ-law that is scripted speech of the text, so tests can decode what was "said".
 * Like the real service it keeps generating a flushed context after close_context; the client
 * must drop that audio itself on barge-in. It can misbehave: refuse the upgrade, delay the
 * first byte, pace chunks, drop or close mid-stream, send an error, or time out when idle.
 */
import type { WebSocket } from 'ws';
import { ScriptedSpeechEncoder } from '../../../src/media/scripted-speech.js';
import { Waiters, startWsFakeServer, type UpgradeRequest } from '../deepgram/ws-fake-server.js';
import { PacedAudio, type AudioPacing } from './paced-audio.js';

/** Ways the fake misbehaves; change them at any time. */
export interface ElevenLabsFakeBehaviour extends AudioPacing {
  rejectUpgradeWith?: number;
  /** Terminate the TCP connection after sending this many audio chunks on it. */
  dropAfterChunks?: number;
  /** Close with this code and reason after this many audio chunks. */
  closeAfterChunks?: { readonly chunks: number; readonly code: number; readonly reason: string };
  /** Send this error JSON (then close 1008) after this many chunks. */
  errorAfterChunks?: { readonly chunks: number; readonly error: string; readonly message: string };
  /** Close an idle connection after this long; default `inactivity_timeout` from the query, or 20 s. */
  inactivityTimeoutMs?: number;
  /** Once: close the connection with this code right after receiving its `afterMessages`-th message. */
  closeOnceAfterMessages?: { readonly afterMessages: number; readonly code: number; readonly reason: string };
}

/** One accepted connection, as recorded. */
export interface ElevenLabsFakeConnection {
  readonly request: UpgradeRequest;
  readonly voiceId: string;
  readonly multiContext: boolean;
  readonly received: Array<Record<string, unknown>>;
  /**
   * Each flushed text the fake started to speak, on its own `performance.now()` clock: when it
   * started and when its first audio went out. A benchmark subtracts what went past the
   * configured first-byte delay (a late timer, the fake's own work), which is not the client's.
   */
  readonly generations: Array<{ readonly contextId: string; readonly text: string; readonly startedAt: number; firstAudioAt?: number }>;
  audioChunks: number;
  closed: boolean;
  closeCode?: number;
}

/** A started ElevenLabs fake. */
export interface ElevenLabsFake {
  readonly url: string;
  readonly apiKey: string;
  readonly connections: ElevenLabsFakeConnection[];
  readonly behaviour: ElevenLabsFakeBehaviour;
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const PATH = /^\/v1\/text-to-speech\/([^/]+)\/(multi-stream-input|stream-input)$/;
const DEFAULT_CONTEXT = '';

interface FakeContext {
  text: string;
  readonly audio: PacedAudio;
  readonly encoder: ScriptedSpeechEncoder;
}

/** Starts the fake; `msPerChar` sets the speaking pace of its scripted speech. */
export async function startElevenLabsFake(
  options: { apiKey?: string; msPerChar?: number; behaviour?: ElevenLabsFakeBehaviour } = {},
): Promise<ElevenLabsFake> {
  const apiKey = options.apiKey ?? 'el-test-key';
  const behaviour: ElevenLabsFakeBehaviour = { ...options.behaviour };
  const connections: ElevenLabsFakeConnection[] = [];
  const waiters = new Waiters();

  const server = await startWsFakeServer({
    decide(request) {
      if (behaviour.rejectUpgradeWith) {
        return { status: behaviour.rejectUpgradeWith, body: '{"detail":{"status":"error","message":"fake rejection"}}' };
      }
      if (!PATH.test(request.path)) return { status: 404, body: '{"detail":"Not Found"}' };
      if (request.headers['xi-api-key'] !== apiKey) {
        return { status: 401, body: '{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}' };
      }
      if (!request.query.get('model_id')) return { status: 400, body: '{"detail":"model_id is required"}' };
      if (request.query.get('output_format') !== 'ulaw_8000') {
        return { status: 400, body: '{"detail":"the fake only speaks ulaw_8000"}' };
      }
      return null;
    },
    onConnection: (socket, request) => serve(socket, request),
  });

  function serve(socket: WebSocket, request: UpgradeRequest): void {
    const [, voiceId = '', kind] = PATH.exec(request.path) ?? [];
    const multiContext = kind === 'multi-stream-input';
    const record: ElevenLabsFakeConnection = { request, voiceId, multiContext, received: [], generations: [], audioChunks: 0, closed: false };
    connections.push(record);
    waiters.notify();
    const contexts = new Map<string, FakeContext>();
    const inactivityMs = behaviour.inactivityTimeoutMs ?? Number(request.query.get('inactivity_timeout') ?? 20) * 1000;
    let idle: NodeJS.Timeout | undefined;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        socket.close(1008, `Have not received a new text input within the timeout of ${inactivityMs / 1000} seconds`);
      }, inactivityMs);
    };
    armIdle();
    const sendJson = (message: Record<string, unknown>): boolean => {
      if (socket.readyState !== socket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    };
    const sendChunk = (contextId: string, chunk: Buffer): boolean => {
      if (socket.readyState !== socket.OPEN) return false;
      record.audioChunks++;
      const generation = record.generations.find((g) => g.contextId === contextId && g.firstAudioAt === undefined);
      if (generation) generation.firstAudioAt = performance.now();
      const base = { audio: chunk.toString('base64'), isFinal: null, normalizedAlignment: null, alignment: null };
      sendJson(multiContext ? { ...base, contextId } : base);
      waiters.notify();
      armIdle();
      if (behaviour.dropAfterChunks !== undefined && record.audioChunks >= behaviour.dropAfterChunks) {
        socket.terminate();
        return false;
      }
      const closeAfter = behaviour.closeAfterChunks;
      if (closeAfter && record.audioChunks >= closeAfter.chunks) {
        socket.close(closeAfter.code, closeAfter.reason);
        return false;
      }
      const errorAfter = behaviour.errorAfterChunks;
      if (errorAfter && record.audioChunks >= errorAfter.chunks) {
        sendJson({ error: errorAfter.error, message: errorAfter.message });
        socket.close(1008, errorAfter.error);
        return false;
      }
      return true;
    };
    const contextOf = (id: string): FakeContext => {
      let context = contexts.get(id);
      if (!context) {
        context = {
          text: '',
          audio: new PacedAudio(() => behaviour, (chunk) => sendChunk(id, chunk)),
          encoder: new ScriptedSpeechEncoder({ msPerChar: options.msPerChar }),
        };
        contexts.set(id, context);
      }
      return context;
    };
    const generate = (id: string, context: FakeContext) => {
      if (!context.text) return;
      record.generations.push({ contextId: id, text: context.text, startedAt: performance.now() });
      context.audio.enqueue(context.encoder.encode(context.text));
      context.text = '';
    };
    const finish = (id: string, context: FakeContext, then?: () => void) => {
      context.audio.whenIdle(() => {
        contexts.delete(id);
        sendJson(multiContext ? { isFinal: true, contextId: id } : { audio: null, isFinal: true });
        then?.();
      });
    };

    socket.on('message', (data, isBinary) => {
      // A connection the fake is closing takes no more input, as a closing server would not.
      if (socket.readyState !== socket.OPEN) return;
      armIdle();
      if (isBinary) {
        socket.close(1003, 'binary messages are not supported');
        return;
      }
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        socket.close(1007, 'invalid JSON');
        return;
      }
      record.received.push(message);
      waiters.notify();
      const closeOnce = behaviour.closeOnceAfterMessages;
      if (closeOnce && record.received.length >= closeOnce.afterMessages) {
        behaviour.closeOnceAfterMessages = undefined;
        socket.close(closeOnce.code, closeOnce.reason);
        return;
      }
      if (message.close_socket === true) {
        const open = [...contexts.values()].filter((context) => context.audio.busy);
        let left = open.length;
        if (left === 0) socket.close(1000);
        for (const context of open) context.audio.whenIdle(() => --left === 0 && socket.close(1000));
        return;
      }
      const id = multiContext ? String(message.context_id ?? DEFAULT_CONTEXT) : DEFAULT_CONTEXT;
      if (message.close_context === true) {
        const context = contexts.get(id);
        if (!context) return;
        // Unflushed text is dropped; a context already flushing finishes, as the docs say.
        context.text = '';
        finish(id, context);
        return;
      }
      if (typeof message.text !== 'string') {
        socket.close(1008, 'text is required');
        return;
      }
      const isNew = !contexts.has(id);
      const context = contextOf(id);
      // The BOS message (a single space) only opens the context.
      if (!(isNew && message.text === ' ')) context.text += message.text;
      if (message.flush === true) generate(id, context);
      if (!multiContext && message.text === '' && !isNew) {
        generate(id, context);
        finish(id, context, () => socket.close(1000));
      }
    });
    socket.on('close', (code) => {
      clearTimeout(idle);
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
    until: (predicate, timeoutMs) => waiters.until(predicate, timeoutMs, 'elevenlabs fake condition'),
    close: () => server.close(),
  };
}
