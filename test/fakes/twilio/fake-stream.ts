/**
 * The Twilio side of one bidirectional Media Stream: opens a signed WebSocket to the TwiML's
 * Stream URL, sends the callee's audio every 20 ms, and plays Parley's audio out in real time,
 * echoing marks once the audio before them has played and honouring `clear` as Twilio does.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket, type RawData } from 'ws';
import type { StreamTicker } from './stream-ticker.js';
import { FRAME_BYTES, FRAME_MS, MULAW_SILENCE, newSid, signTwilio } from './wire.js';

const silenceBase64 = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE).toString('base64');

/** Callee audio (μ-law 8 kHz) or a key press at a time after the stream started (stream ms). */
export interface ScheduledSpeech { readonly atMs: number; readonly audio: Buffer }
/** A key the callee presses `atMs` after the stream started. */
export interface ScheduledDigit { readonly atMs: number; readonly digit: string }

/** 20 ms (or less) of Parley's audio as the callee heard it, at stream time `atMs`. */
export interface HeardChunk { readonly atMs: number; readonly bytes: Buffer }
/** A mark echoed back to Parley; `cleared` when a `clear` dropped its audio instead of playing it. */
export interface EchoedMark { readonly name: string; readonly atMs: number; readonly cleared: boolean }
/** A `clear` Parley sent: when, how much audio it dropped, which marks it returned. */
export interface ClearRecord { readonly atMs: number; readonly droppedBytes: number; readonly marks: readonly string[] }
/** A Twilio debugger error: 31920 handshake failed, 31924 a message Twilio does not accept. */
export interface StreamError { readonly code: number; readonly message: string; readonly atMs: number }

/** How one stream connects and what the callee sends on it. */
export interface FakeStreamOptions {
  readonly url: string;
  readonly authToken: string;
  readonly accountSid: string;
  readonly callSid: string;
  readonly parameters: Readonly<Record<string, string>>;
  /** Time runs this many times faster than real time (pacing and scheduled speech). */
  readonly speed: number;
  readonly speech: readonly ScheduledSpeech[];
  readonly dtmf: readonly ScheduledDigit[];
  /** Twilio sends silence frames while the callee says nothing; off sends audio only when there is some. */
  readonly sendSilence: boolean;
  /** Times every open stream's frames (shared by the fake's streams). */
  readonly ticker: StreamTicker;
  /**
   * Keeps every message Parley sent (`received`) and every chunk heard (`heard`). Off for
   * long benchmarks: counters (`underruns`, marks, clears) are kept either way.
   */
  readonly recordTraffic: boolean;
  /** Replaces the signature header (to test that Parley refuses a bad one). */
  readonly signatureOverride?: string;
  readonly onChange: () => void;
  /** Parley closed the socket, or the handshake failed: the `<Connect>` verb is over. */
  readonly onEnded: (reason: 'closed_by_server' | 'handshake_failed') => void;
}

type Outbound = { readonly kind: 'audio'; bytes: Buffer } | { readonly kind: 'mark'; readonly name: string };

/** One Media Stream; created when the call is answered and its TwiML connects a stream. */
export class FakeMediaStream {
  readonly streamSid = newSid('MZ');
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  readonly heard: HeardChunk[] = [];
  readonly marks: EchoedMark[] = [];
  readonly clears: ClearRecord[] = [];
  readonly errors: StreamError[] = [];
  /** Every text or binary message Parley sent, raw. */
  readonly received: string[] = [];
  /** Inbound media messages sent to Parley. */
  mediaSent = 0;
  /** Bytes of Parley's audio played to the callee. */
  heardBytes = 0;
  /**
   * Frames due while the agent was mid-sentence (audio played, its mark not yet reached) with
   * nothing buffered: an audible gap, a dropped frame.
   */
  underruns = 0;

  readonly #options: FakeStreamOptions;
  readonly #frameMs: number;
  #socket: WebSocket | undefined;
  #openedAt = 0;
  #frames = 0;
  #sequence = 0;
  #ticking = false;
  #midSegment = false;
  #callerAudio: Buffer = Buffer.alloc(0);
  readonly #speech: ScheduledSpeech[];
  readonly #dtmf: ScheduledDigit[];
  #playout: Outbound[] = [];
  #playing = false;
  #endedByUs = false;

  constructor(options: FakeStreamOptions) {
    this.#options = options;
    this.#frameMs = FRAME_MS / options.speed;
    this.#speech = [...options.speech].sort((a, b) => a.atMs - b.atMs);
    this.#dtmf = [...options.dtmf].sort((a, b) => a.atMs - b.atMs);
  }

  /** Opens the WebSocket, signed over its URL with no parameters, as Twilio does. */
  connect(): void {
    const signature = this.#options.signatureOverride ?? signTwilio(this.#options.authToken, this.#options.url);
    const socket = new WebSocket(this.#options.url, { headers: { 'X-Twilio-Signature': signature } });
    this.#socket = socket;
    socket.on('unexpected-response', (_request, response) => {
      this.#fail(`WebSocket handshake answered HTTP ${response.statusCode}`);
      socket.terminate();
    });
    socket.on('error', (error) => {
      if (this.state === 'connecting') this.#fail(`WebSocket handshake failed: ${error.message}`);
    });
    socket.on('open', () => this.#onOpen());
    socket.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    socket.on('close', () => {
      const wasOpen = this.state === 'open';
      this.#shutdown();
      if (wasOpen && !this.#endedByUs) this.#options.onEnded('closed_by_server');
    });
  }

  /** Stream time now, in ms since the stream opened. */
  get nowMs(): number {
    return this.state === 'connecting' ? 0 : (performance.now() - this.#openedAt) * this.#options.speed;
  }

  /**
   * Stream time up to which frames have been played (and `heard` is complete). It trails
   * `nowMs` when the ticker runs late, so a listener reading `heard` by time reads up to here.
   */
  get playedMs(): number {
    return this.#frames * FRAME_MS;
  }

  /** Everything Parley's audio the callee heard, concatenated. */
  heardAudio(): Buffer {
    return Buffer.concat(this.heard.map((chunk) => chunk.bytes));
  }

  /** Bytes of Parley's audio buffered and not yet played. */
  get queuedBytes(): number {
    return this.#playout.reduce((sum, item) => sum + (item.kind === 'audio' ? item.bytes.length : 0), 0);
  }

  /** The callee says `audio` (μ-law) starting with the next frame. */
  say(audio: Buffer): void {
    this.#callerAudio = Buffer.concat([this.#callerAudio, audio]);
  }

  /** The callee presses a key. */
  pressDigit(digit: string): void {
    this.#send({ event: 'dtmf', streamSid: this.streamSid, dtmf: { track: 'inbound_track', digit } });
  }

  /** Twilio ends the stream (the call ended): `stop`, then close. */
  stop(): void {
    if (this.state !== 'open') {
      this.#endedByUs = true;
      this.#socket?.terminate();
      this.#shutdown();
      return;
    }
    this.#send({ event: 'stop', streamSid: this.streamSid, stop: { accountSid: this.#options.accountSid, callSid: this.#options.callSid } });
    this.#endedByUs = true;
    this.#socket?.close(1000);
    this.#shutdown();
  }

  #onOpen(): void {
    this.state = 'open';
    this.#openedAt = performance.now();
    this.#socket?.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    this.#send({
      event: 'start',
      streamSid: this.streamSid,
      start: {
        streamSid: this.streamSid,
        accountSid: this.#options.accountSid,
        callSid: this.#options.callSid,
        tracks: ['inbound'],
        customParameters: this.#options.parameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    this.#options.onChange();
    this.#ticking = true;
    this.#options.ticker.add(this);
    this.tick();
  }

  /** Runs every frame that is due (catching up if the ticker came late); the fake's ticker calls it. */
  tick(): void {
    if (this.state !== 'open') return;
    const due = Math.floor((performance.now() - this.#openedAt) / this.#frameMs) + 1;
    while (this.#frames < due && this.state === 'open') {
      this.#runFrame(this.#frames * FRAME_MS);
      this.#frames += 1;
    }
  }

  #runFrame(atMs: number): void {
    while (this.#speech[0] && this.#speech[0].atMs <= atMs) this.say(this.#speech.shift()!.audio);
    while (this.#dtmf[0] && this.#dtmf[0].atMs <= atMs) this.pressDigit(this.#dtmf.shift()!.digit);
    if (this.#callerAudio.length > 0 || this.#options.sendSilence) {
      let payload = silenceBase64;
      if (this.#callerAudio.length > 0) {
        const frame = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
        this.#callerAudio.copy(frame, 0, 0, Math.min(FRAME_BYTES, this.#callerAudio.length));
        this.#callerAudio = this.#callerAudio.subarray(Math.min(FRAME_BYTES, this.#callerAudio.length));
        payload = frame.toString('base64');
      }
      this.mediaSent += 1;
      this.#sendMedia(atMs, payload);
    }
    this.#playFrame(atMs);
  }

  /** Plays up to 20 ms of Parley's audio; marks reached by then echo (their audio has finished). */
  #playFrame(atMs: number): void {
    this.#echoLeadingMarks(atMs);
    const parts: Buffer[] = [];
    let taken = 0;
    while (taken < FRAME_BYTES && this.#playout[0]?.kind === 'audio') {
      const head = this.#playout[0];
      const part = head.bytes.subarray(0, FRAME_BYTES - taken);
      parts.push(part);
      taken += part.length;
      head.bytes = head.bytes.subarray(part.length);
      if (head.bytes.length === 0) this.#playout.shift();
    }
    this.#playing = taken > 0;
    if (taken === 0) {
      if (this.#midSegment) this.underruns += 1;
      return;
    }
    this.#midSegment = true;
    this.heardBytes += taken;
    if (this.#options.recordTraffic) this.heard.push({ atMs, bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts) });
    this.#options.onChange();
  }

  #echoLeadingMarks(atMs: number): void {
    while (this.#playout[0]?.kind === 'mark') {
      const { name } = this.#playout.shift() as { name: string };
      this.#midSegment = false;
      this.#echoMark(name, atMs, false);
    }
  }

  #echoMark(name: string, atMs: number, cleared: boolean): void {
    this.#send({ event: 'mark', streamSid: this.streamSid, mark: { name } });
    this.marks.push({ name, atMs, cleared });
    this.#options.onChange();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
    if (this.#options.recordTraffic) this.received.push(text);
    if (isBinary) return this.#invalid('a binary frame');
    let message: { event?: unknown; streamSid?: unknown; media?: { payload?: unknown }; mark?: { name?: unknown } };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return this.#invalid('a message that is not JSON');
    }
    if (message.streamSid !== this.streamSid) return this.#invalid('a message for another streamSid');
    switch (message.event) {
      case 'media': {
        const payload = message.media?.payload;
        if (typeof payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) return this.#invalid('media without a base64 payload');
        this.#playout.push({ kind: 'audio', bytes: Buffer.from(payload, 'base64') });
        break;
      }
      case 'mark': {
        const name = message.mark?.name;
        if (typeof name !== 'string') return this.#invalid('a mark without a name');
        // Nothing queued or playing: the audio before this mark has already been heard.
        if (this.#playout.length === 0 && !this.#playing) this.#echoMark(name, this.nowMs, false);
        else this.#playout.push({ kind: 'mark', name });
        break;
      }
      case 'clear': {
        const atMs = this.nowMs;
        const droppedBytes = this.queuedBytes;
        const pending = this.#playout.filter((item) => item.kind === 'mark').map((item) => (item as { name: string }).name);
        this.#playout = [];
        this.#playing = false;
        this.#midSegment = false;
        this.clears.push({ atMs, droppedBytes, marks: pending });
        for (const name of pending) this.#echoMark(name, atMs, true);
        break;
      }
      default:
        return this.#invalid(`event ${JSON.stringify(message.event)}`);
    }
    this.#options.onChange();
  }

  #invalid(what: string): void {
    this.errors.push({ code: 31924, message: `Stream - Protocol - Invalid Message: ${what}`, atMs: this.nowMs });
    this.#options.onChange();
  }

  #fail(message: string): void {
    if (this.state !== 'connecting') return;
    this.errors.push({ code: 31920, message: `Stream - WebSocket - Handshake Error: ${message}`, atMs: 0 });
    this.state = 'closed';
    this.#options.onChange();
    this.#options.onEnded('handshake_failed');
  }

  /**
   * The callee's audio, 50 messages a second: written out by hand, in the same key order as
   * `#send` would give, since every value is digits, a SID or base64 and needs no escaping.
   */
  #sendMedia(atMs: number, payload: string): void {
    if (this.state !== 'open' || this.#socket?.readyState !== WebSocket.OPEN) return;
    this.#sequence += 1;
    this.#socket.send(
      `{"event":"media","sequenceNumber":"${this.#sequence}","streamSid":"${this.streamSid}","media":{"track":"inbound","chunk":"${this.mediaSent}","timestamp":"${atMs}","payload":"${payload}"}}`,
    );
  }

  #send(message: Record<string, unknown>): void {
    if (this.state !== 'open' || this.#socket?.readyState !== WebSocket.OPEN) return;
    this.#sequence += 1;
    this.#socket.send(JSON.stringify({ event: message['event'], sequenceNumber: String(this.#sequence), ...message }));
  }

  #shutdown(): void {
    if (this.#ticking) this.#options.ticker.delete(this);
    this.#ticking = false;
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.#options.onChange();
    }
  }
}
