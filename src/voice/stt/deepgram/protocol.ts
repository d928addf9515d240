/** Deepgram live STT wire format (`/v1/listen`), as in shared/PROTOCOLS.md. */

/** Text messages the client sends beside binary audio. */
export type DeepgramClientMessage = { type: 'KeepAlive' } | { type: 'Finalize' } | { type: 'CloseStream' };

/** One recognised word with its times in seconds since the stream began. */
export interface DeepgramWord {
  readonly word: string;
  readonly start: number;
  readonly end: number;
  readonly confidence?: number;
  readonly punctuated_word?: string;
}

/** A transcript segment; `is_final` segments are never revised, `speech_final` ends a turn. */
export interface DeepgramResults {
  readonly type: 'Results';
  readonly is_final: boolean;
  readonly speech_final: boolean;
  readonly from_finalize?: boolean;
  readonly start: number;
  readonly duration: number;
  readonly channel: {
    readonly alternatives: ReadonlyArray<{
      readonly transcript: string;
      readonly confidence: number;
      readonly words: readonly DeepgramWord[];
    }>;
  };
}

/** No word for `utterance_end_ms` after the last one. */
export interface DeepgramUtteranceEnd {
  readonly type: 'UtteranceEnd';
  readonly last_word_end: number;
  readonly channel?: readonly number[];
}

/** Voice activity began (needs `vad_events=true`). */
export interface DeepgramSpeechStarted {
  readonly type: 'SpeechStarted';
  readonly timestamp: number;
  readonly channel?: readonly number[];
}

/** Sent once the stream closes. */
export interface DeepgramMetadata {
  readonly type: 'Metadata';
  readonly request_id: string;
  readonly duration: number;
}

/** What the server sends. */
export type DeepgramServerMessage = DeepgramResults | DeepgramUtteranceEnd | DeepgramSpeechStarted | DeepgramMetadata;

/** Path of the live endpoint under the base URL. */
export const DEEPGRAM_LISTEN_PATH = '/v1/listen';
