/**
 * The agent's voice: one TTS stream per call (opened while the phone rings, so the first
 * sentence does not pay the vendor's handshake), each sentence pushed and flushed as its own
 * segment, its audio handed to the playout in order. When the stream fails for good (the
 * fallback chain is exhausted) the session is told, and may switch this voice to another
 * provider (the offline one, to apologise).
 */
import { asProviderError, type ProviderError } from '../../shared/errors.js';
import type { TtsProvider, TtsStream, TtsStreamOptions } from '../tts/types.js';
import type { Playout, Segment, SegmentHooks } from './playout.js';

export interface SpeechOutOptions {
  readonly streamOptions: TtsStreamOptions;
  /** The stream failed and ended; nothing more will come from it. */
  readonly onError: (error: ProviderError) => void;
}

export class SpeechOut {
  private stream: TtsStream | undefined;
  private controller = new AbortController();
  private current = '';
  private closed = false;

  constructor(
    private readonly playout: Playout,
    private readonly options: SpeechOutOptions,
  ) {}

  /** Id of the provider speaking now. */
  get providerId(): string {
    return this.current;
  }

  /** Opens a stream on `provider` (closing any previous one) and starts reading its audio. */
  use(provider: TtsProvider): void {
    if (this.closed) return;
    const previous = this.stream;
    this.controller.abort();
    if (previous) void previous.close().catch(() => undefined);
    this.controller = new AbortController();
    const stream = provider.openStream(this.options.streamOptions, this.controller.signal);
    this.stream = stream;
    this.current = provider.id;
    // A stream that throws instead of sending an error event fails the same way (fallback or apology).
    this.read(stream).catch((error: unknown) => {
      if (!this.closed && stream === this.stream) this.options.onError(asProviderError(provider.id, error));
    });
  }

  /** Speaks `text` as the next segment. */
  say(text: string, hooks: SegmentHooks = {}): Segment {
    const segment = this.playout.open(text, hooks);
    this.stream?.pushText(text);
    this.stream?.flush();
    return segment;
  }

  /** Barge-in: the TTS drops what it has not sent (the caller clears the playout). */
  cancel(): void {
    this.stream?.cancel();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stream = this.stream;
    this.stream = undefined;
    try {
      await stream?.close();
    } catch {
      // Closing a failed stream has nothing left to lose.
    }
    this.controller.abort();
  }

  private async read(stream: TtsStream): Promise<void> {
    for await (const event of stream) {
      if (stream !== this.stream) return;
      switch (event.type) {
        case 'audio':
          this.playout.audio(event.payload);
          break;
        case 'flushed':
          this.playout.complete();
          break;
        case 'error':
          if (!this.closed) this.options.onError(event.error);
          return;
      }
    }
  }
}
