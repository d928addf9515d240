/** Cartesia TTS WebSocket wire format (`/tts/websocket`), as in shared/PROTOCOLS.md. */

/** Raw μ-law 8 kHz: the phone path's format, so no transcoding. */
export const CARTESIA_OUTPUT_FORMAT = { container: 'raw', encoding: 'pcm_mulaw', sample_rate: 8000 } as const;

/** A generation request: the first one for a context_id starts it; `continue` says more follows. */
export interface CartesiaGenerationRequest {
  readonly model_id: string;
  readonly transcript: string;
  readonly voice: { readonly mode: 'id'; readonly id: string };
  readonly language?: string;
  readonly context_id: string;
  readonly output_format: typeof CARTESIA_OUTPUT_FORMAT;
  readonly continue: boolean;
}

/** Stops a context's generation. */
export interface CartesiaCancelRequest {
  readonly context_id: string;
  readonly cancel: true;
}

/** Messages the client sends. */
export type CartesiaClientMessage = CartesiaGenerationRequest | CartesiaCancelRequest;

/** What the server sends; `data` is base64 audio. */
export type CartesiaServerMessage =
  | { readonly type: 'chunk'; readonly data: string; readonly done: false; readonly status_code?: number; readonly step_time?: number; readonly context_id?: string }
  | { readonly type: 'done'; readonly done: true; readonly status_code?: number; readonly context_id?: string }
  | { readonly type: 'error'; readonly done?: boolean; readonly status_code?: number; readonly error?: string; readonly context_id?: string }
  | { readonly type: 'timestamps' | 'flush_done' | 'phoneme_timestamps'; readonly context_id?: string };
