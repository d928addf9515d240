/**
 * TTS fallback over any providers: when the current one fails with a retryable or connection
 * error (before or while speaking), the next one takes over and is given again the text of
 * every utterance not yet `flushed`. For the utterance that was being spoken, the audio
 * already passed on says roughly how far it got (at `msPerCharEstimate`, 65 ms a character by
 * default); the text is resent from the start of the sentence it got to, so the callee hears
 * at most that sentence twice and never a gap. If the last provider fails too, its error is
 * passed on so the session can end the call politely. The chain remembers failing providers
 * across streams (`ProviderHealth`), so during an outage new calls start on one that works.
 */
import type { ProviderError } from '../../shared/errors.js';
import { FallbackStream } from '../shared/fallback-stream.js';
import { ProviderHealth, isFallbackWorthy, type ProviderHealthOptions } from '../../shared/provider-health.js';
import type { TtsEvent, TtsProvider, TtsStream, TtsStreamOptions } from './types.js';

/** Settings of the fallback wrapper. */
export interface TtsFallbackOptions {
  /** Which errors move to the next provider. Default: retryable ones and connectivity. */
  readonly shouldFallBack?: (error: ProviderError) => boolean;
  /** Speaking pace assumed when estimating how much of an utterance was spoken. Default 65. */
  readonly msPerCharEstimate?: number;
  /** How long a failed provider is passed over by new streams. */
  readonly health?: ProviderHealthOptions;
}

interface Utterance {
  text: string;
  flushed: boolean;
  audioBytes: number;
}

/** The text still to speak of `text` after `spokenChars`: from the start of the sentence reached. */
export function unspokenText(text: string, spokenChars: number): string {
  if (spokenChars <= 0) return text;
  if (spokenChars >= text.length) return '';
  let resumeAt = 0;
  const boundary = /[.!?…]+["')\]]*\s+/g;
  for (let match = boundary.exec(text); match; match = boundary.exec(text)) {
    const end = match.index + match[0].length;
    if (end > spokenChars) break;
    resumeAt = end;
  }
  return text.slice(resumeAt);
}

/** Wraps providers in order of preference. */
export function fallbackTts(providers: readonly TtsProvider[], options: TtsFallbackOptions = {}): TtsProvider {
  if (providers.length === 0) throw new RangeError('fallbackTts needs at least one provider');
  const health = new ProviderHealth(providers, options.health);
  return {
    id: `fallback(${providers.map((provider) => provider.id).join(',')})`,
    openStream: (streamOptions, signal) => new FallbackTtsStream(health, options, streamOptions, signal),
  };
}

class FallbackTtsStream extends FallbackStream<TtsProvider, TtsStream, TtsEvent> implements TtsStream {
  private readonly bytesPerChar: number;
  /** Utterances not yet flushed by the provider, oldest first; the last one takes new text. */
  private utterances: Utterance[] = [{ text: '', flushed: false, audioBytes: 0 }];

  constructor(
    health: ProviderHealth<TtsProvider>,
    options: TtsFallbackOptions,
    private readonly streamOptions: TtsStreamOptions,
    signal: AbortSignal,
  ) {
    super(health, { shouldFallBack: options.shouldFallBack ?? isFallbackWorthy, failOverWhileClosing: false }, signal);
    this.bytesPerChar = (options.msPerCharEstimate ?? 65) * 8;
    this.start();
  }

  pushText(text: string): void {
    if (this.events.ended || this.closing || !text) return;
    this.utterances.at(-1)!.text += text;
    this.child.pushText(text);
  }

  flush(): void {
    if (this.events.ended || this.closing) return;
    this.utterances.at(-1)!.flushed = true;
    this.utterances.push({ text: '', flushed: false, audioBytes: 0 });
    this.child.flush();
  }

  cancel(): void {
    if (this.events.ended) return;
    this.utterances = [{ text: '', flushed: false, audioBytes: 0 }];
    this.events.clear((event) => event.type === 'error');
    this.child.cancel();
  }

  async close(): Promise<void> {
    if (this.events.ended) return;
    this.closing = true;
    await this.child.close();
    this.end();
  }

  protected open(provider: TtsProvider, signal: AbortSignal): TtsStream {
    return provider.openStream(this.streamOptions, signal);
  }

  /** Hands the new provider what is still owed, from the sentence the callee had reached. */
  protected resume(child: TtsStream): void {
    const head = this.utterances[0]!;
    head.text = unspokenText(head.text, Math.floor(head.audioBytes / this.bytesPerChar));
    head.audioBytes = 0;
    for (const utterance of this.utterances) {
      if (utterance.text) child.pushText(utterance.text);
      if (utterance.flushed) child.flush();
    }
  }

  protected errorOf(event: TtsEvent): ProviderError | undefined {
    return event.type === 'error' ? event.error : undefined;
  }

  protected errorEvent(error: ProviderError): TtsEvent {
    return { type: 'error', error };
  }

  protected accept(event: TtsEvent): TtsEvent {
    if (event.type === 'audio') this.utterances[0]!.audioBytes += event.payload.length;
    else if (event.type === 'flushed' && this.utterances.length > 1) this.utterances.shift();
    return event;
  }
}
