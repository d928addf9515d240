/** Streaming text-to-speech: the contract every TTS provider implements. */
import type { ProviderError } from '../../shared/errors.js';

export interface TtsStreamOptions {
  /** Provider voice id. */
  readonly voice?: string;
  readonly model?: string;
  readonly language?: string;
}

export type TtsEvent =
  /** μ-law 8 kHz mono, any length (the session re-chunks into 20 ms frames). */
  | { type: 'audio'; payload: Buffer }
  /** All audio for the text pushed before the last flush has been sent. */
  | { type: 'flushed' }
  | { type: 'error'; error: ProviderError };

/** One utterance context: text goes in as it streams from the LLM, audio comes out. */
export interface TtsStream extends AsyncIterable<TtsEvent> {
  pushText(text: string): void;
  /** No more text for now: synthesise everything pushed. */
  flush(): void;
  /** Barge-in: drop pending text and audio at once. */
  cancel(): void;
  close(): Promise<void>;
}

export interface TtsProvider {
  readonly id: string;
  openStream(options: TtsStreamOptions, signal: AbortSignal): TtsStream;
}
