/** One Twilio Media Streams WebSocket as an AudioLine, tracking which marks were heard or cleared. */
import type { RawData, WebSocket } from 'ws';
import { ProviderError } from '../../shared/errors.js';
import type { Frame } from '../../media/frames.js';
import type { AudioLine } from '../../media/audio-line.js';
import { FrameQueue } from './frame-queue.js';
import { TwilioMediaCodec } from './media-codec.js';
import { parseTwilioInboundMessage, type TwilioStartMessage } from './protocol.js';

/** What the `start` message says about the stream. */
export interface TwilioStreamStart {
  readonly streamSid: string;
  readonly callSid: string;
  readonly accountSid: string;
  /** Parley's call id, passed as a `<Parameter>` of the TwiML. */
  readonly callId: string | undefined;
  readonly customParameters: Readonly<Record<string, string>>;
  readonly tracks: readonly string[];
  readonly mediaFormat: { readonly encoding: string; readonly sampleRate: number; readonly channels: number };
}

/** A mark the line sent: waiting for its echo, played out, or dropped by a clear. */
export type TwilioMarkState = 'pending' | 'played' | 'cleared';

/** Counters of one stream, for metrics and benchmarks. */
export interface TwilioMediaLineStats {
  readonly inboundAudioFrames: number;
  readonly outboundAudioBytes: number;
  readonly marksSent: number;
  readonly marksPlayed: number;
  readonly marksCleared: number;
  readonly clearsSent: number;
  readonly unreadableMessages: number;
}

// Enough history to answer "was mark X heard?" for the marks of the last few minutes of speech.
const markHistoryLimit = 1000;

/**
 * Inbound audio, dtmf, played marks and the end of the stream arrive on `frames`; `send` writes
 * audio, marks and clears as fast as given, because Twilio buffers outbound audio and plays it
 * in real time. Twilio echoes a mark once the audio before it has played, and after a `clear`
 * it echoes every pending mark at once: the line counts those as cleared, not heard, and keeps
 * their echoes off `frames` so the session only ever sees marks the callee actually heard.
 */
export class TwilioMediaLine implements AudioLine {
  readonly mode = 'audio' as const;
  readonly frames: AsyncIterable<Frame>;
  /** Resolves on `start`; rejects if the socket closes first. */
  readonly started: Promise<TwilioStreamStart>;

  readonly #socket: WebSocket;
  readonly #codec = new TwilioMediaCodec();
  readonly #queue = new FrameQueue();
  #stream: TwilioStreamStart | undefined;
  #pendingMarks: string[] = [];
  readonly #markStates = new Map<string, TwilioMarkState>();
  readonly #awaitingClearedEcho = new Map<string, number>();
  #lastPlayedMark: string | undefined;
  #stats = {
    inboundAudioFrames: 0, outboundAudioBytes: 0, marksSent: 0, marksPlayed: 0, marksCleared: 0, clearsSent: 0,
    unreadableMessages: 0,
  };
  #resolveStart!: (start: TwilioStreamStart) => void;
  #rejectStart!: (error: Error) => void;

  /** Attaches to the socket at once, so no message sent before `start` resolves is lost. */
  constructor(socket: WebSocket) {
    this.#socket = socket;
    this.frames = this.#queue;
    this.started = new Promise((resolve, reject) => {
      this.#resolveStart = resolve;
      this.#rejectStart = reject;
    });
    // A rejection nobody awaits (the socket closed before anyone asked) is not a crash.
    this.started.catch(() => undefined);
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    socket.on('close', () => this.#finish('socket_closed'));
    socket.on('error', () => this.#finish('socket_error'));
  }

  /** The stream's identifiers; only valid once `started` has resolved. */
  get stream(): TwilioStreamStart {
    if (!this.#stream) throw new Error('The Twilio media stream has not started');
    return this.#stream;
  }

  /** Marks sent whose audio Twilio has not finished playing, oldest first. */
  get pendingMarks(): readonly string[] {
    return this.#pendingMarks;
  }

  /** The last mark whose audio the callee heard in full. */
  get lastPlayedMark(): string | undefined {
    return this.#lastPlayedMark;
  }

  /** What became of a mark this line sent (recent marks only). */
  markState(name: string): TwilioMarkState | undefined {
    return this.#markStates.get(name);
  }

  /** A snapshot of the stream's counters. */
  stats(): TwilioMediaLineStats {
    return { ...this.#stats };
  }

  /** Audio -> media, mark -> mark, interruption -> clear; other frames have no Twilio message. */
  send(frame: Frame): void {
    if (!this.#stream || this.#socket.readyState !== this.#socket.OPEN) return;
    const message = this.#codec.encode(frame);
    if (!message) return;
    if (message.event === 'media' && frame.kind === 'audio') {
      this.#stats.outboundAudioBytes += frame.payload.length;
    } else if (message.event === 'mark') {
      this.#pendingMarks.push(message.mark.name);
      this.#setMarkState(message.mark.name, 'pending');
      this.#stats.marksSent += 1;
    } else if (message.event === 'clear') {
      this.#clearPendingMarks();
      this.#stats.clearsSent += 1;
    }
    this.#socket.send(JSON.stringify(message));
  }

  /** Closing the stream ends `<Connect>`; with no TwiML after it, Twilio hangs the call up. */
  hangUp(): void {
    this.#finish('hung_up');
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.close(1000, 'hang up');
    else if (this.#socket.readyState === this.#socket.CONNECTING) this.#socket.terminate();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    const message = isBinary ? null : parseTwilioInboundMessage(rawToString(data));
    if (!message) {
      this.#stats.unreadableMessages += 1;
      return;
    }
    if (message.event === 'start') {
      if (this.#stream) return;
      this.#codec.decode(message);
      this.#stream = toStreamStart(message);
      this.#resolveStart(this.#stream);
      return;
    }
    // Twilio sends nothing but `connected` before `start`; anything else has no stream to belong to.
    if (!this.#stream) return;
    if (message.event === 'mark') {
      this.#onMarkEcho(message.mark.name);
      return;
    }
    const frame = this.#codec.decode(message);
    if (!frame) return;
    if (frame.kind === 'audio') this.#stats.inboundAudioFrames += 1;
    if (frame.kind === 'end') {
      this.#finish('stream_stopped');
      return;
    }
    this.#queue.push(frame);
  }

  #onMarkEcho(name: string): void {
    const cleared = this.#awaitingClearedEcho.get(name);
    if (cleared !== undefined) {
      if (cleared <= 1) this.#awaitingClearedEcho.delete(name);
      else this.#awaitingClearedEcho.set(name, cleared - 1);
      return;
    }
    const index = this.#pendingMarks.indexOf(name);
    if (index === -1) return;
    this.#pendingMarks.splice(index, 1);
    this.#setMarkState(name, 'played');
    this.#lastPlayedMark = name;
    this.#stats.marksPlayed += 1;
    this.#queue.push({ kind: 'mark', name });
  }

  #clearPendingMarks(): void {
    for (const name of this.#pendingMarks) {
      this.#setMarkState(name, 'cleared');
      this.#awaitingClearedEcho.set(name, (this.#awaitingClearedEcho.get(name) ?? 0) + 1);
      this.#stats.marksCleared += 1;
    }
    this.#pendingMarks = [];
  }

  #setMarkState(name: string, state: TwilioMarkState): void {
    this.#markStates.delete(name);
    this.#markStates.set(name, state);
    if (this.#markStates.size > markHistoryLimit) {
      const oldest = this.#markStates.keys().next().value;
      if (oldest !== undefined) this.#markStates.delete(oldest);
    }
  }

  #finish(reason: 'stream_stopped' | 'socket_closed' | 'socket_error' | 'hung_up'): void {
    if (!this.#stream) {
      this.#rejectStart(new ProviderError('twilio', 'connectivity', `The media stream ended before it started (${reason})`));
    }
    if (this.#queue.closed) return;
    this.#queue.push({ kind: 'end', reason, ...(reason === 'socket_error' ? { failed: true } : {}) });
    this.#queue.close();
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function toStreamStart(message: TwilioStartMessage): TwilioStreamStart {
  const { start } = message;
  return {
    streamSid: start.streamSid,
    callSid: start.callSid,
    accountSid: start.accountSid,
    callId: start.customParameters['callId'],
    customParameters: start.customParameters,
    tracks: start.tracks,
    mediaFormat: start.mediaFormat,
  };
}

/**
 * Takes over a Media Streams socket and resolves once Twilio has sent `start`. If it has not
 * within `startTimeoutMs` (Twilio sends it right after `connected`), the socket is closed.
 */
export async function acceptTwilioMediaStream(
  socket: WebSocket,
  options: { readonly startTimeoutMs: number },
): Promise<TwilioMediaLine> {
  const line = new TwilioMediaLine(socket);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new ProviderError('twilio', 'connectivity', 'The media stream sent no start message in time'));
    }, options.startTimeoutMs);
  });
  try {
    await Promise.race([line.started, timeout]);
    return line;
  } catch (error) {
    line.hangUp();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
