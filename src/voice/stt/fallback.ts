/**
 * STT fallback over any providers: when the current one fails with a retryable or connection
 * error (before or while streaming), the next one takes over, and the audio since the last
 * final transcript (up to `maxReplayMs`) is replayed into it so the words in progress are not
 * lost. Event times stay on one timeline. If the last provider fails too, its error event is
 * passed on so the session can end the call politely.
 */
import type { ProviderError } from '../../shared/errors.js';
import type { AudioFrame } from '../../media/frames.js';
import { EventChannel } from '../shared/event-channel.js';
import type { SttEvent, SttProvider, SttStream, SttStreamOptions } from './types.js';

/** Settings of the fallback wrapper. */
export interface SttFallbackOptions {
  /** Which errors move to the next provider. Default: retryable ones and connectivity. */
  readonly shouldFallBack?: (error: ProviderError) => boolean;
  /** Audio kept for replay into the next provider. Default 5000. */
  readonly maxReplayMs?: number;
}

/** The default rule: retryable errors and connection failures move on; auth, quota and bad requests do not. */
export function isFallbackWorthy(error: ProviderError): boolean {
  return error.retryable || error.category === 'connectivity';
}

/** Wraps providers in order of preference. */
export function fallbackStt(providers: readonly SttProvider[], options: SttFallbackOptions = {}): SttProvider {
  if (providers.length === 0) throw new RangeError('fallbackStt needs at least one provider');
  return {
    id: `fallback(${providers.map((provider) => provider.id).join(',')})`,
    openStream: (streamOptions, signal) => new FallbackSttStream(providers, options, streamOptions, signal),
  };
}

class FallbackSttStream implements SttStream {
  private readonly events = new EventChannel<SttEvent>(() => this.end());
  private readonly shouldFallBack: (error: ProviderError) => boolean;
  private readonly maxReplayBytes: number;
  private index = -1;
  private child!: SttStream;
  private childController!: AbortController;
  /** Frames since the last final transcript, for replay. */
  private replay: Buffer[] = [];
  private replayBytes = 0;
  private pushedBytes = 0;
  /** Where the current child's time zero sits on the caller's timeline. */
  private offsetMs = 0;
  private closing = false;
  /** flush() was asked and no final transcript answered it yet: the next provider must get it too. */
  private flushPending = false;
  /** Each child's reader, so close() can wait for the one it closed. */
  private readonly pumps = new WeakMap<SttStream, Promise<void>>();
  private readonly onAbort = () => this.end();

  constructor(
    private readonly providers: readonly SttProvider[],
    options: SttFallbackOptions,
    private readonly streamOptions: SttStreamOptions,
    private readonly signal: AbortSignal,
  ) {
    this.shouldFallBack = options.shouldFallBack ?? isFallbackWorthy;
    this.maxReplayBytes = (options.maxReplayMs ?? 5000) * 8;
    if (signal.aborted) {
      this.events.end();
      return;
    }
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.next();
  }

  pushAudio(frame: AudioFrame): void {
    if (this.events.ended || this.closing) return;
    this.replay.push(frame.payload);
    this.replayBytes += frame.payload.length;
    this.pushedBytes += frame.payload.length;
    while (this.replayBytes > this.maxReplayBytes) this.replayBytes -= this.replay.shift()!.length;
    this.child.pushAudio(frame);
  }

  flush(): void {
    if (this.events.ended) return;
    this.flushPending = true;
    this.child.flush();
  }

  /** Closes the current provider; if it fails while closing, the next one hears the rest and is closed too. */
  async close(): Promise<void> {
    if (this.events.ended || this.closing) return;
    this.closing = true;
    for (;;) {
      const child = this.child;
      await child.close();
      await this.pumps.get(child);
      if (this.child === child || this.events.ended) break;
    }
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  /** Opens the next provider, replays the recent audio into it and starts reading it. */
  private next(): void {
    this.index++;
    this.childController = new AbortController();
    const child = this.providers[this.index]!.openStream(this.streamOptions, this.childController.signal);
    this.child = child;
    this.offsetMs = (this.pushedBytes - this.replayBytes) / 8;
    for (const payload of this.replay) child.pushAudio({ kind: 'audio', payload });
    if (this.flushPending) child.flush();
    this.pumps.set(child, this.pump(child));
  }

  private async pump(child: SttStream): Promise<void> {
    for await (const event of child) {
      if (child !== this.child || this.events.ended) return;
      if (event.type === 'error') {
        this.failed(event.error);
        return;
      }
      this.events.push(this.shifted(event));
      if (event.type === 'transcript' && event.isFinal) {
        this.replay = [];
        this.replayBytes = 0;
        this.flushPending = false;
      }
    }
    if (child === this.child && !this.closing) this.end();
  }

  private failed(error: ProviderError): void {
    const more = this.index + 1 < this.providers.length;
    if (!more || !this.shouldFallBack(error)) {
      this.events.push({ type: 'error', error });
      this.end();
      return;
    }
    this.childController.abort();
    this.next();
  }

  private shifted(event: Exclude<SttEvent, { type: 'error' }>): SttEvent {
    const offset = this.offsetMs;
    if (offset === 0) return event;
    switch (event.type) {
      case 'speech_started':
        return { ...event, atMs: event.atMs + offset };
      case 'utterance_end':
        return event.lastWordEndMs === undefined ? event : { ...event, lastWordEndMs: event.lastWordEndMs + offset };
      case 'transcript':
        return {
          ...event,
          ...(event.startMs === undefined ? {} : { startMs: event.startMs + offset }),
          ...(event.endMs === undefined ? {} : { endMs: event.endMs + offset }),
        };
    }
  }

  private end(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.childController?.abort();
    this.events.end();
  }
}
