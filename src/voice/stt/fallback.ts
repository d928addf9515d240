/**
 * STT fallback over any providers: when the current one fails with a retryable or connection
 * error (before or while streaming), the next one takes over, and the audio since the last
 * final transcript (up to `maxReplayMs`) is replayed into it so the words in progress are not
 * lost. Event times stay on one timeline. If the last provider fails too, its error event is
 * passed on so the session can end the call politely. The chain remembers failing providers
 * across streams (`ProviderHealth`), so during an outage new calls start on one that works.
 */
import type { ProviderError } from '../../shared/errors.js';
import type { AudioFrame } from '../../media/frames.js';
import { FallbackStream } from '../shared/fallback-stream.js';
import { ProviderHealth, isFallbackWorthy, type ProviderHealthOptions } from '../../shared/provider-health.js';
import type { SttEvent, SttProvider, SttStream, SttStreamOptions } from './types.js';

export { isFallbackWorthy };

/** Settings of the fallback wrapper. */
export interface SttFallbackOptions {
  /** Which errors move to the next provider. Default: retryable ones and connectivity. */
  readonly shouldFallBack?: (error: ProviderError) => boolean;
  /** Audio kept for replay into the next provider. Default 5000. */
  readonly maxReplayMs?: number;
  /** How long a failed provider is passed over by new streams. */
  readonly health?: ProviderHealthOptions;
}

/** Wraps providers in order of preference. */
export function fallbackStt(providers: readonly SttProvider[], options: SttFallbackOptions = {}): SttProvider {
  if (providers.length === 0) throw new RangeError('fallbackStt needs at least one provider');
  const health = new ProviderHealth(providers, options.health);
  return {
    id: `fallback(${providers.map((provider) => provider.id).join(',')})`,
    openStream: (streamOptions, signal) => new FallbackSttStream(health, options, streamOptions, signal),
  };
}

class FallbackSttStream extends FallbackStream<SttProvider, SttStream, SttEvent> implements SttStream {
  private readonly maxReplayBytes: number;
  /** Frames since the last final transcript, for replay. */
  private replay: Buffer[] = [];
  private replayBytes = 0;
  private pushedBytes = 0;
  /** Where the current child's time zero sits on the caller's timeline. */
  private offsetMs = 0;
  /** flush() was asked and no final transcript answered it yet: the next provider must get it too. */
  private flushPending = false;

  constructor(
    health: ProviderHealth<SttProvider>,
    options: SttFallbackOptions,
    private readonly streamOptions: SttStreamOptions,
    signal: AbortSignal,
  ) {
    super(health, { shouldFallBack: options.shouldFallBack ?? isFallbackWorthy, failOverWhileClosing: true }, signal);
    this.maxReplayBytes = (options.maxReplayMs ?? 5000) * 8;
    this.start();
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
      await this.pumped(child);
      if (this.child === child || this.events.ended) break;
    }
    this.end();
  }

  protected open(provider: SttProvider, signal: AbortSignal): SttStream {
    return provider.openStream(this.streamOptions, signal);
  }

  /** Replays the recent audio (and a pending flush) into the new provider, on the same timeline. */
  protected resume(child: SttStream): void {
    this.offsetMs = (this.pushedBytes - this.replayBytes) / 8;
    for (const payload of this.replay) child.pushAudio({ kind: 'audio', payload });
    if (this.flushPending) child.flush();
  }

  protected errorOf(event: SttEvent): ProviderError | undefined {
    return event.type === 'error' ? event.error : undefined;
  }

  protected errorEvent(error: ProviderError): SttEvent {
    return { type: 'error', error };
  }

  protected accept(event: SttEvent): SttEvent {
    if (event.type === 'transcript' && event.isFinal) {
      this.replay = [];
      this.replayBytes = 0;
      this.flushPending = false;
    }
    return this.shifted(event);
  }

  private shifted(event: SttEvent): SttEvent {
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
      default:
        return event;
    }
  }
}
