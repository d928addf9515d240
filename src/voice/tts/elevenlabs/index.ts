/**
 * ElevenLabs streaming text-to-speech over the multi-context WebSocket
 * (`/v1/text-to-speech/{voice}/multi-stream-input`, μ-law 8 kHz out).
 *
 * Server configuration: `ELEVENLABS_API_KEY` -> `apiKey` (required); a voice id and model may
 * be mapped onto `voiceId` / `modelId`; `baseUrl` for a regional endpoint. The provider never
 * reads the environment itself.
 *
 * Why multi-context rather than `/stream-input`: one socket serves the whole call, each
 * utterance is a context (`ctx-1`, `ctx-2`...), and barge-in closes the context
 * (`close_context`) while the client drops that context's audio at once, so the next
 * utterance starts on a warm socket instead of paying a new TLS + WebSocket handshake after
 * every interruption. flush() sends `{"text":"","flush":true}` and closes the context; the
 * server's `isFinal` for it becomes `flushed`. The socket asks for the longest inactivity
 * timeout (180 s); one the vendor closes anyway is reopened on the next text.
 */
import type { TtsProvider } from '../types.js';
import { ContextTtsStream } from '../context-stream.js';
import { elevenLabsTtsOptionsSchema, type ElevenLabsTtsOptionsInput } from './options.js';
import { elevenLabsWire } from './wire.js';

export { elevenLabsTtsOptionsSchema, type ElevenLabsTtsOptions, type ElevenLabsTtsOptionsInput } from './options.js';
export { elevenLabsUrl } from './wire.js';

/** Creates the ElevenLabs TTS provider; throws a ZodError when the options are invalid. */
export function createElevenLabsTts(options: ElevenLabsTtsOptionsInput): TtsProvider {
  const parsed = elevenLabsTtsOptionsSchema.parse(options);
  return {
    id: 'elevenlabs',
    openStream: (streamOptions, signal) =>
      new ContextTtsStream(elevenLabsWire(parsed, streamOptions), signal, parsed.closeTimeoutMs),
  };
}
