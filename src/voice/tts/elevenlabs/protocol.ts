/**
 * ElevenLabs TTS WebSocket wire format, multi-context flavour (`/multi-stream-input`), as in
 * shared/PROTOCOLS.md and ElevenLabs' AsyncAPI: the client writes `context_id`, the server
 * answers with `contextId`.
 */

/** Voice settings sent when a context starts. */
export interface ElevenLabsVoiceSettings {
  readonly stability?: number;
  readonly similarity_boost?: number;
  readonly style?: number;
  readonly use_speaker_boost?: boolean;
  readonly speed?: number;
}

/** Messages the client sends. */
export type ElevenLabsClientMessage =
  /** Starts a context: the text must be a single space. */
  | { readonly text: ' '; readonly voice_settings?: ElevenLabsVoiceSettings; readonly context_id: string }
  | { readonly text: string; readonly context_id: string; readonly flush?: boolean }
  | { readonly context_id: string; readonly close_context: true }
  | { readonly close_socket: true };

/** Audio for a context; `audio` is base64 of the requested output format. */
export interface ElevenLabsAudioMessage {
  readonly audio: string | null;
  readonly isFinal?: boolean | null;
  readonly normalizedAlignment?: unknown;
  readonly alignment?: unknown;
  readonly contextId?: string;
}

/** The context has finished (after close_context). */
export interface ElevenLabsFinalMessage {
  readonly isFinal: true;
  readonly contextId?: string;
}

/** What the server sends. */
export type ElevenLabsServerMessage = ElevenLabsAudioMessage | ElevenLabsFinalMessage;

/** μ-law 8 kHz: the phone path's format, so no transcoding. */
export const ELEVENLABS_OUTPUT_FORMAT = 'ulaw_8000';
