/**
 * A Deepgram live STT fake (`/v1/listen`) on 127.0.0.1:0 speaking the documented wire format:
 * it checks `Authorization: Token <key>` and the query string, records every message it gets,
 * and answers with Results (interim, is_final, speech_final, from_finalize), SpeechStarted,
 * UtteranceEnd and Metadata JSON. What it "hears" comes from a pluggable recognizer; the
 * default hears scripted speech, so it transcribes the scripted TTS. It can misbehave: refuse
 * the upgrade, delay its first message, drop the connection after some audio, or close on idle.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import {
  ScriptedRecognizer,
  type RecognizerEvent,
} from '../../../src/voice/stt/scripted/recognizer.js';
import { Waiters, startWsFakeServer, type UpgradeRequest, type WsFakeServer } from './ws-fake-server.js';

/** The session parameters a client asked for in its query string. */
export interface DeepgramSessionParams {
  readonly endpointingMs: number;
  readonly utteranceEndMs: number | undefined;
  readonly interimResults: boolean;
}

/** Turns audio into events; the default is the scripted recognizer. */
export interface FakeRecognizer {
  push(audio: Buffer): RecognizerEvent[];
  finalize(): RecognizerEvent[];
}

/** One message the fake received. */
export type DeepgramReceived =
  | { readonly kind: 'audio'; readonly bytes: number }
  | { readonly kind: 'json'; readonly message: { readonly type: string } & Record<string, unknown> };

/** One accepted connection, as recorded. */
export interface DeepgramFakeConnection {
  readonly request: UpgradeRequest;
  readonly received: DeepgramReceived[];
  readonly sent: Array<Record<string, unknown>>;
  audioBytes: number;
  closed: boolean;
  /** How the fake or the client ended it (close code; 1006 when it was dropped). */
  closeCode?: number;
}

/** Ways the fake misbehaves; change them at any time, they apply to the next connection or message. */
export interface DeepgramFakeBehaviour {
  /** Refuse the upgrade with this HTTP status (401, 429, 500...). */
  rejectUpgradeWith?: number;
  /** Hold every server message until this long after the connection opened. */
  firstResponseDelayMs?: number;
  /** After this much audio, drop the TCP connection without a close frame. */
  dropAfterAudioBytes?: number;
  /** After this much audio, close with this code and reason instead. */
  closeAfterAudioBytes?: { readonly bytes: number; readonly code: number; readonly reason: string };
  /** Close with 1011 (NET-0001) when nothing arrives for this long. Deepgram's is 10 s. */
  idleTimeoutMs?: number;
}

/** A started Deepgram fake. */
export interface DeepgramFake {
  /** ws:// base URL to give the client as `baseUrl`. */
  readonly url: string;
  readonly apiKey: string;
  readonly connections: DeepgramFakeConnection[];
  readonly behaviour: DeepgramFakeBehaviour;
  /** WebSocket upgrade requests received, refused ones included. */
  readonly upgradeAttempts: number;
  /** Waits until `predicate` holds (checked whenever the fake receives or sends). */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const ERROR_BODIES: Record<number, string> = {
  401: '{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"fake"}',
  429: '{"err_code":"TOO_MANY_REQUESTS","err_msg":"Too many requests.","request_id":"fake"}',
};

/** Starts the fake. `recognizer` builds the hearing of each connection from its parameters. */
export async function startDeepgramFake(
  options: {
    apiKey?: string;
    recognizer?: (params: DeepgramSessionParams) => FakeRecognizer;
    behaviour?: DeepgramFakeBehaviour;
    /**
     * Keep every message in `received` and `sent` (default). A benchmark turns it off: fifty
     * frames a second per call would otherwise pile up in the fake's heap, and its garbage
     * collections would delay its answers.
     */
    recordMessages?: boolean;
  } = {},
): Promise<DeepgramFake> {
  const apiKey = options.apiKey ?? 'dg-test-key';
  const recordMessages = options.recordMessages ?? true;
  const makeRecognizer =
    options.recognizer ??
    ((params: DeepgramSessionParams) =>
      new ScriptedRecognizer({
        endpointingMs: params.endpointingMs,
        utteranceEndMs: params.utteranceEndMs ?? 1000,
        interimResults: params.interimResults,
      }));
  const behaviour: DeepgramFakeBehaviour = { idleTimeoutMs: 10_000, ...options.behaviour };
  const connections: DeepgramFakeConnection[] = [];
  const waiters = new Waiters();
  let upgradeAttempts = 0;

  const server: WsFakeServer = await startWsFakeServer({
    decide(request) {
      upgradeAttempts++;
      if (behaviour.rejectUpgradeWith) {
        const status = behaviour.rejectUpgradeWith;
        // Deepgram names every request in a dg-request-id header, refusals included.
        return { status, body: ERROR_BODIES[status] ?? '{"err_code":"ERROR"}', headers: { 'dg-error': 'fake rejection', 'dg-request-id': `fake-request-${status}` } };
      }
      if (request.path !== '/v1/listen') return { status: 404, body: '{"err_code":"NOT_FOUND"}' };
      if (request.headers.authorization !== `Token ${apiKey}`) return { status: 401, body: ERROR_BODIES[401] };
      const { query } = request;
      if (query.get('encoding') !== 'mulaw' || query.get('sample_rate') !== '8000') {
        return { status: 400, body: '{"err_code":"Bad Request","err_msg":"encoding and sample_rate are required for raw audio"}' };
      }
      return null;
    },
    onConnection(socket, request) {
      serve(socket, request);
    },
  });

  function serve(socket: WebSocket, request: UpgradeRequest): void {
    const record: DeepgramFakeConnection = { request, received: [], sent: [], audioBytes: 0, closed: false };
    connections.push(record);
    waiters.notify();
    const { query } = request;
    const interimResults = query.get('interim_results') === 'true';
    const vadEvents = query.get('vad_events') === 'true';
    const utteranceEnd = query.get('utterance_end_ms');
    const recognizer = makeRecognizer({
      endpointingMs: Number(query.get('endpointing') ?? 10),
      utteranceEndMs: utteranceEnd ? Number(utteranceEnd) : undefined,
      interimResults,
    });
    const requestId = randomUUID();
    const openedAt = Date.now();
    let outbox: string[] | null = behaviour.firstResponseDelayMs ? [] : null;
    if (outbox) {
      setTimeout(() => {
        for (const text of outbox ?? []) if (socket.readyState === socket.OPEN) socket.send(text);
        outbox = null;
      }, behaviour.firstResponseDelayMs);
    }
    const send = (message: Record<string, unknown>) => {
      if (recordMessages) record.sent.push(message);
      const text = JSON.stringify(message);
      if (outbox) outbox.push(text);
      else if (socket.readyState === socket.OPEN) socket.send(text);
      waiters.notify();
    };
    const emit = (events: RecognizerEvent[], fromFinalize: boolean) => {
      for (const event of events) {
        if (event.type === 'speech_started') {
          if (vadEvents) send({ type: 'SpeechStarted', channel: [0, 1], timestamp: event.atMs / 1000 });
        } else if (event.type === 'utterance_end') {
          if (utteranceEnd) send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: (event.lastWordEndMs ?? 0) / 1000 });
        } else if (event.isFinal || interimResults) {
          send(resultsOf(event, fromFinalize, requestId));
        }
      }
    };
    let idle: NodeJS.Timeout | undefined;
    let idleMs: number | undefined;
    const armIdle = () => {
      // Fifty messages a second: restart the one timer rather than make a new one each time.
      if (idle && idleMs === behaviour.idleTimeoutMs) {
        idle.refresh();
        return;
      }
      clearTimeout(idle);
      idle = undefined;
      idleMs = behaviour.idleTimeoutMs;
      if (!idleMs) return;
      idle = setTimeout(() => {
        socket.close(1011, 'NET-0001: did not receive audio data or a text message within the timeout window');
      }, idleMs);
    };
    armIdle();

    socket.on('message', (data, isBinary) => {
      // A connection the fake is closing takes no more input, as a closing server would not.
      if (socket.readyState !== socket.OPEN) return;
      armIdle();
      const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) {
        if (recordMessages) record.received.push({ kind: 'audio', bytes: buffer.length });
        record.audioBytes += buffer.length;
        waiters.notify();
        const drop = behaviour.dropAfterAudioBytes;
        if (drop !== undefined && record.audioBytes >= drop) {
          socket.terminate();
          return;
        }
        const closeAfter = behaviour.closeAfterAudioBytes;
        if (closeAfter && record.audioBytes >= closeAfter.bytes) {
          socket.close(closeAfter.code, closeAfter.reason);
          return;
        }
        emit(recognizer.push(buffer), false);
        return;
      }
      let message: { type: string } & Record<string, unknown>;
      try {
        message = JSON.parse(buffer.toString('utf8')) as typeof message;
      } catch {
        socket.close(1008, 'DATA-0000: text message is not valid JSON');
        return;
      }
      if (recordMessages) record.received.push({ kind: 'json', message });
      waiters.notify();
      switch (message.type) {
        case 'KeepAlive':
          return;
        case 'Finalize':
          emit(recognizer.finalize(), true);
          return;
        case 'CloseStream':
          emit(recognizer.finalize(), false);
          send({
            type: 'Metadata',
            transaction_key: 'deprecated',
            request_id: requestId,
            created: new Date(openedAt).toISOString(),
            duration: record.audioBytes / 8000,
            channels: 1,
          });
          setTimeout(() => socket.close(1000), outbox ? behaviour.firstResponseDelayMs : 0);
          return;
        default:
          socket.close(1008, 'DATA-0000: unknown message type');
      }
    });
    socket.on('close', (code) => {
      clearTimeout(idle);
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
    get upgradeAttempts() {
      return upgradeAttempts;
    },
    until: (predicate, timeoutMs) => waiters.until(predicate, timeoutMs, 'deepgram fake condition'),
    close: () => server.close(),
  };
}

function resultsOf(event: Extract<RecognizerEvent, { type: 'transcript' }>, fromFinalize: boolean, requestId: string) {
  const startS = (event.startMs ?? 0) / 1000;
  const endS = (event.endMs ?? event.startMs ?? 0) / 1000;
  const words = event.text.split(/\s+/).filter(Boolean);
  const step = words.length ? (endS - startS) / words.length : 0;
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: endS - startS,
    start: startS,
    is_final: event.isFinal,
    speech_final: event.speechFinal,
    from_finalize: fromFinalize,
    channel: {
      alternatives: [
        {
          transcript: event.text,
          confidence: 0.99,
          words: words.map((word, i) => ({
            word: word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ''),
            start: startS + i * step,
            end: startS + (i + 1) * step,
            confidence: 0.99,
            punctuated_word: word,
          })),
        },
      ],
    },
    metadata: { request_id: requestId, model_info: { name: 'fake', version: 'fake', arch: 'fake' } },
  };
}
