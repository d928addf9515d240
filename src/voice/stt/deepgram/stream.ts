/** One Deepgram live transcription: audio up as binary frames, results down as JSON. */
import { ProviderError } from '../../../shared/errors.js';
import type { AudioFrame } from '../../../media/frames.js';
import { EventChannel } from '../../shared/event-channel.js';
import type { SttEvent, SttStream, SttStreamOptions } from '../types.js';
import { VendorSocket } from '../../shared/vendor-socket.js';
import type { DeepgramSttOptions } from './options.js';
import { DEEPGRAM_LISTEN_PATH, type DeepgramClientMessage, type DeepgramServerMessage } from './protocol.js';

const PROVIDER = 'deepgram';

/** The listen URL with the query string PROTOCOLS.md gives, in that order. */
export function deepgramListenUrl(options: DeepgramSttOptions, stream: SttStreamOptions = {}): string {
  const model = stream.model ?? options.model;
  const params = new URLSearchParams({
    model,
    language: stream.language ?? options.language,
    encoding: 'mulaw',
    sample_rate: '8000',
    channels: '1',
    interim_results: String(options.interimResults),
    endpointing: String(stream.endpointingMs ?? options.endpointingMs),
  });
  // Deepgram rejects utterance_end_ms without interim results.
  if (options.interimResults) params.set('utterance_end_ms', String(options.utteranceEndMs));
  params.set('vad_events', 'true');
  params.set('smart_format', String(options.smartFormat));
  // Nova-3 boosts words with `keyterm`; older models with `keywords`.
  const boostParam = model.startsWith('nova-3') ? 'keyterm' : 'keywords';
  for (const keyword of stream.keywords ?? []) params.append(boostParam, keyword);
  return `${options.baseUrl.replace(/\/+$/, '')}${DEEPGRAM_LISTEN_PATH}?${params.toString()}`;
}

/** Maps one server message to the event the session sees, or null for messages it does not need. */
export function sttEventOf(message: DeepgramServerMessage | { type: string }): SttEvent | null {
  switch (message.type) {
    case 'Results': {
      const results = message as Extract<DeepgramServerMessage, { type: 'Results' }>;
      const best = results.channel?.alternatives?.[0];
      const text = best?.transcript ?? '';
      // Empty interim and final segments are Deepgram hearing silence; an empty speech_final
      // still closes the turn, so it passes.
      if (text === '' && !results.speech_final) return null;
      const event: SttEvent = {
        type: 'transcript',
        text,
        isFinal: results.is_final === true,
        speechFinal: results.speech_final === true,
        startMs: Math.round(results.start * 1000),
        endMs: Math.round((results.start + results.duration) * 1000),
      };
      return best?.confidence === undefined ? event : { ...event, confidence: best.confidence };
    }
    case 'UtteranceEnd':
      return { type: 'utterance_end', lastWordEndMs: Math.round((message as { last_word_end: number }).last_word_end * 1000) };
    case 'SpeechStarted':
      return { type: 'speech_started', atMs: Math.round((message as { timestamp: number }).timestamp * 1000) };
    case 'Error':
      return { type: 'error', error: new ProviderError(PROVIDER, 'server', 'deepgram reported an error') };
    default:
      return null;
  }
}

type State = 'connecting' | 'open' | 'closing' | 'closed';

/** A live stream; see SttStream for the contract. */
export class DeepgramSttStream implements SttStream {
  private readonly events = new EventChannel<SttEvent>(() => this.shutdown());
  private readonly socket: VendorSocket;
  private state: State = 'connecting';
  private pending: Array<Buffer | string> = [];
  private pendingAudioBytes = 0;
  private keepAlive: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly onAbort = () => this.shutdown();

  constructor(
    private readonly options: DeepgramSttOptions,
    streamOptions: SttStreamOptions,
    private readonly signal: AbortSignal,
  ) {
    this.socket = new VendorSocket(
      {
        provider: PROVIDER,
        url: deepgramListenUrl(options, streamOptions),
        headers: { Authorization: `Token ${options.apiKey}` },
        connectTimeoutMs: options.connectTimeoutMs,
      },
      {
        onOpen: () => this.handleOpen(),
        onMessage: (data, isBinary) => this.handleMessage(data, isBinary),
        onFailure: (error) => this.handleEnd(error),
        onClose: () =>
          this.handleEnd(
            this.state === 'closing' ? null : new ProviderError(PROVIDER, 'connectivity', 'deepgram ended the stream unasked'),
          ),
      },
    );
    if (signal.aborted) this.shutdown();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  pushAudio(frame: AudioFrame): void {
    if (this.state === 'open') {
      this.socket.send(frame.payload);
      this.keepAlive?.refresh();
      return;
    }
    if (this.state !== 'connecting') return;
    this.pending.push(frame.payload);
    this.pendingAudioBytes += frame.payload.length;
    // A stalled connect must not grow memory without bound: keep the newest audio.
    while (this.pendingAudioBytes > this.options.maxBufferedBytes) {
      const index = this.pending.findIndex((item) => typeof item !== 'string');
      const dropped = this.pending.splice(index, 1)[0] as Buffer;
      this.pendingAudioBytes -= dropped.length;
    }
  }

  flush(): void {
    this.sendControl({ type: 'Finalize' });
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.state === 'closed') return Promise.resolve();
    // While connecting, CloseStream waits in the queue behind the audio and goes out on open.
    this.sendControl({ type: 'CloseStream' });
    this.state = 'closing';
    clearTimeout(this.keepAlive);
    this.closeTimer = setTimeout(() => this.shutdown(), this.options.closeTimeoutMs);
    this.closing = this.socket.closed.then(() => this.shutdown());
    return this.closing;
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private sendControl(message: DeepgramClientMessage): void {
    const text = JSON.stringify(message);
    if (this.state === 'open') this.socket.send(text);
    else if (this.state === 'connecting') this.pending.push(text);
  }

  private handleOpen(): void {
    if (this.state !== 'connecting' && this.state !== 'closing') return;
    for (const item of this.pending) this.socket.send(item);
    this.pending = [];
    this.pendingAudioBytes = 0;
    if (this.state === 'closing') return;
    this.state = 'open';
    this.keepAlive = setTimeout(() => this.sendKeepAlive(), this.options.keepAliveMs);
    this.keepAlive.unref();
  }

  private sendKeepAlive(): void {
    if (this.state !== 'open') return;
    this.socket.send(JSON.stringify({ type: 'KeepAlive' } satisfies DeepgramClientMessage));
    this.keepAlive?.refresh();
  }

  private handleMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return;
    let message: { type?: unknown };
    try {
      message = JSON.parse(data.toString('utf8')) as { type?: unknown };
    } catch {
      return;
    }
    if (typeof message?.type !== 'string') return;
    const event = sttEventOf(message as { type: string });
    if (!event) return;
    this.events.push(event);
    if (event.type === 'error') this.shutdown();
  }

  /** The socket is gone: report why unless we asked for it, then end the events. */
  private handleEnd(error: ProviderError | null): void {
    if (error && this.state !== 'closing' && this.state !== 'closed') this.events.push({ type: 'error', error });
    this.shutdown();
  }

  private shutdown(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.keepAlive);
    clearTimeout(this.closeTimer);
    this.signal.removeEventListener('abort', this.onAbort);
    this.pending = [];
    this.socket.terminate();
    this.events.end();
  }
}
