/** Streaming speech-to-text: the contract every STT provider implements. */
import type { AudioFrame } from '../../media/frames.js';
import type { ProviderError } from '../../shared/errors.js';

export interface SttStreamOptions {
  /** BCP-47, e.g. 'en-US'. */
  readonly language?: string;
  readonly model?: string;
  /** Silence after speech that ends an utterance. */
  readonly endpointingMs?: number;
  /** Words to boost. */
  readonly keywords?: readonly string[];
}

export type SttEvent =
  | { type: 'speech_started'; atMs: number }
  | { type: 'transcript'; text: string; isFinal: boolean; speechFinal: boolean; confidence?: number; startMs?: number; endMs?: number }
  /** No more words for this utterance (Deepgram UtteranceEnd). */
  | { type: 'utterance_end'; lastWordEndMs?: number }
  | { type: 'error'; error: ProviderError };

export interface SttStream extends AsyncIterable<SttEvent> {
  /** Sends 20 ms of μ-law 8 kHz. Never blocks; buffers while connecting. */
  pushAudio(frame: AudioFrame): void;
  /** Asks the provider to finalise what it has heard so far. */
  flush(): void;
  close(): Promise<void>;
}

export interface SttProvider {
  readonly id: string;
  openStream(options: SttStreamOptions, signal: AbortSignal): SttStream;
}
