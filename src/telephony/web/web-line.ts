/**
 * A browser's WebSocket as an AudioLine, with Twilio Media Streams semantics: audio and marks go
 * out as sent (the browser buffers and plays in real time), the browser echoes a mark once the
 * audio before it has played, and `clear` drops what it has not played. Marks pending at a clear
 * are counted as cleared, never as heard, so the transcript keeps only what the caller heard.
 */
import type { RawData, WebSocket } from 'ws';
import { FRAME_BYTES, type Frame } from '../../media/frames.js';
import type { AudioLine } from '../types.js';
import { FrameQueue } from '../twilio/frame-queue.js';
import { parseWebClientMessage, type WebServerMessage } from './protocol.js';

/** More than this much unsent data queued toward a browser means it stopped reading. */
const maxBufferedBytes = 2 * 1024 * 1024;
/**
 * A browser sends audio as its microphone captures it. More than this much ahead of the wall
 * clock (network bunching aside) is a client that does not: it would feed the speech-to-text and
 * the recording hours of audio in seconds.
 */
const maxAudioAheadMs = 10_000;

/** `protocol_error`: the browser broke the wire's rules (audio faster than real time). */
export type WebLineEnd = 'caller_hung_up' | 'agent_hung_up' | 'socket_error' | 'protocol_error';

export class WebAudioLine implements AudioLine {
  readonly mode = 'audio' as const;
  readonly frames: AsyncIterable<Frame>;
  /** Resolves once the line has ended, saying who ended it. */
  readonly ended: Promise<WebLineEnd>;

  readonly #socket: WebSocket;
  readonly #queue = new FrameQueue();
  #pendingMarks: string[] = [];
  readonly #cleared = new Set<string>();
  #remainder: Buffer = Buffer.alloc(0);
  /** When the first audio arrived, and how much has arrived since. */
  #audioSince: number | undefined;
  #audioMs = 0;
  #end: ((reason: WebLineEnd) => void) | undefined;
  #stats = { inboundFrames: 0, outboundBytes: 0, marksPlayed: 0, marksCleared: 0 };

  constructor(socket: WebSocket) {
    this.#socket = socket;
    this.frames = this.#queue;
    this.ended = new Promise((resolve) => (this.#end = resolve));
  }

  /** Counters of the line (tests, metrics). */
  stats() {
    return { ...this.#stats };
  }

  /** A message from the browser after `start`. */
  receive(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.#audio(toBuffer(data));
    const message = parseWebClientMessage(toBuffer(data).toString('utf8'));
    if (!message) return;
    switch (message.type) {
      case 'mark':
        return this.#markPlayed(message.name);
      case 'dtmf':
        return this.#queue.push({ kind: 'dtmf', digit: message.digit });
      case 'hangup':
        return this.finish('caller_hung_up');
      case 'start':
        return;
    }
  }

  send(frame: Frame): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    switch (frame.kind) {
      case 'audio':
        this.#stats.outboundBytes += frame.payload.length;
        this.#socket.send(frame.payload, { binary: true });
        break;
      case 'mark':
        this.#pendingMarks.push(frame.name);
        this.#json({ type: 'mark', name: frame.name });
        break;
      case 'interruption':
        for (const name of this.#pendingMarks) this.#cleared.add(name);
        this.#stats.marksCleared += this.#pendingMarks.length;
        this.#pendingMarks = [];
        this.#json({ type: 'clear' });
        break;
      default:
        return;
    }
    if (this.#socket.bufferedAmount > maxBufferedBytes) this.hangUp();
  }

  hangUp(): void {
    this.finish('agent_hung_up');
  }

  /** Ends the line once; closes the socket if it is still open. */
  finish(reason: WebLineEnd, detail?: string): void {
    if (this.#queue.closed) return;
    this.#queue.push({ kind: 'end', reason, ...(reason === 'socket_error' || reason === 'protocol_error' ? { failed: true } : {}) });
    this.#queue.close();
    if (this.#socket.readyState === this.#socket.OPEN) {
      this.#json({ type: 'ended', reason: detail ?? reason });
      this.#socket.close(reason === 'protocol_error' ? 1008 : 1000, reason);
    }
    this.#end?.(reason);
  }

  #audio(bytes: Buffer): void {
    if (this.#queue.closed) return;
    // Frames are whole 20 ms; a message that splits one is joined with the next.
    let buffer = this.#remainder.length ? Buffer.concat([this.#remainder, bytes]) : bytes;
    const now = Date.now();
    this.#audioSince ??= now;
    this.#audioMs += Math.floor(buffer.length / FRAME_BYTES) * 20;
    if (this.#audioMs > now - this.#audioSince + maxAudioAheadMs) {
      this.#json({ type: 'error', code: 'VALIDATION_FAILED', message: 'Audio arrived faster than real time: send each 20 ms frame as the microphone captures it' });
      return this.finish('protocol_error');
    }
    while (buffer.length >= FRAME_BYTES) {
      this.#stats.inboundFrames += 1;
      this.#queue.push({ kind: 'audio', payload: Buffer.from(buffer.subarray(0, FRAME_BYTES)) });
      buffer = buffer.subarray(FRAME_BYTES);
    }
    this.#remainder = Buffer.from(buffer);
  }

  #markPlayed(name: string): void {
    if (this.#cleared.delete(name)) return;
    const index = this.#pendingMarks.indexOf(name);
    if (index === -1) return;
    // A later mark played means the earlier ones did too.
    const played = this.#pendingMarks.splice(0, index + 1);
    this.#stats.marksPlayed += played.length;
    for (const mark of played) this.#queue.push({ kind: 'mark', name: mark });
  }

  #json(message: WebServerMessage): void {
    this.#socket.send(JSON.stringify(message));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}
