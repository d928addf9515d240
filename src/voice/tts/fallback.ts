/**
 * TTS fallback over any providers: when the current one fails with a retryable or connection
 * error (before or while speaking), the next one takes over and is given again the text of
 * every utterance not yet `flushed`. For the utterance that was being spoken, the audio
 * already passed on says roughly how far it got (at `msPerCharEstimate`, 65 ms a character by
 * default); the text is resent from the start of the sentence it got to, so the callee hears
 * at most that sentence twice and never a gap. If the last provider fails too, its error is
 * passed on so the session can end the call politely.
 */
import { asProviderError, type ProviderError } from '../../shared/errors.js';
import { EventChannel } from '../shared/event-channel.js';
import { isFallbackWorthy } from '../stt/fallback.js';
import type { TtsEvent, TtsProvider, TtsStream, TtsStreamOptions } from './types.js';

/** Settings of the fallback wrapper. */
export interface TtsFallbackOptions {
  /** Which errors move to the next provider. Default: retryable ones and connectivity. */
  readonly shouldFallBack?: (error: ProviderError) => boolean;
  /** Speaking pace assumed when estimating how much of an utterance was spoken. Default 65. */
  readonly msPerCharEstimate?: number;
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
  return {
    id: `fallback(${providers.map((provider) => provider.id).join(',')})`,
    openStream: (streamOptions, signal) => new FallbackTtsStream(providers, options, streamOptions, signal),
  };
}

class FallbackTtsStream implements TtsStream {
  private readonly events = new EventChannel<TtsEvent>(() => this.end());
  private readonly shouldFallBack: (error: ProviderError) => boolean;
  private readonly bytesPerChar: number;
  private index = -1;
  private child!: TtsStream;
  private childController!: AbortController;
  /** Utterances not yet flushed by the provider, oldest first; the last one takes new text. */
  private utterances: Utterance[] = [{ text: '', flushed: false, audioBytes: 0 }];
  private closing = false;
  private readonly onAbort = () => this.end();

  constructor(
    private readonly providers: readonly TtsProvider[],
    options: TtsFallbackOptions,
    private readonly streamOptions: TtsStreamOptions,
    private readonly signal: AbortSignal,
  ) {
    this.shouldFallBack = options.shouldFallBack ?? isFallbackWorthy;
    this.bytesPerChar = (options.msPerCharEstimate ?? 65) * 8;
    if (signal.aborted) {
      this.events.end();
      return;
    }
    signal.addEventListener('abort', this.onAbort, { once: true });
    this.next();
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

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  /** Opens the next provider and hands it what is still owed. */
  private next(): void {
    this.index++;
    this.childController = new AbortController();
    const child = this.providers[this.index]!.openStream(this.streamOptions, this.childController.signal);
    this.child = child;
    const head = this.utterances[0]!;
    head.text = unspokenText(head.text, Math.floor(head.audioBytes / this.bytesPerChar));
    head.audioBytes = 0;
    for (const utterance of this.utterances) {
      if (utterance.text) child.pushText(utterance.text);
      if (utterance.flushed) child.flush();
    }
    this.pumpOrFail(child, this.providers[this.index]!.id);
  }

  /** Reads `child`; a stream that throws instead of sending an error event fails over the same way. */
  private pumpOrFail(child: TtsStream, providerId: string): void {
    this.pump(child).catch((error: unknown) => {
      if (child === this.child && !this.events.ended) this.failed(asProviderError(providerId, error));
    });
  }

  private async pump(child: TtsStream): Promise<void> {
    for await (const event of child) {
      if (child !== this.child || this.events.ended) return;
      switch (event.type) {
        case 'audio':
          this.utterances[0]!.audioBytes += event.payload.length;
          this.events.push(event);
          break;
        case 'flushed':
          if (this.utterances.length > 1) this.utterances.shift();
          this.events.push(event);
          break;
        case 'error':
          this.failed(event.error);
          return;
      }
    }
    if (child === this.child) this.end();
  }

  private failed(error: ProviderError): void {
    const more = this.index + 1 < this.providers.length;
    if (!more || this.closing || !this.shouldFallBack(error)) {
      this.events.push({ type: 'error', error });
      this.end();
      return;
    }
    this.childController.abort();
    this.next();
  }

  private end(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.childController?.abort();
    this.events.end();
  }
}
