/**
 * Cartesia streaming text-to-speech (Sonic) over its WebSocket, raw μ-law 8 kHz out.
 *
 * Server configuration: `CARTESIA_API_KEY` -> `apiKey` (required); a voice id, model and API
 * version may be mapped onto `voiceId`, `modelId`, `version`; `baseUrl` for another endpoint.
 * The provider never reads the environment itself.
 *
 * One socket per stream, one context per utterance (`ctx-1`, `ctx-2`...): text goes out as
 * `continue:true` inputs, flush() sends an empty `continue:false` input and the context's
 * `done` becomes `flushed`. cancel() sends `{"context_id","cancel":true}`; Cartesia only stops
 * work not yet begun, so the client also drops that context's audio itself, at once.
 */
import type { TtsProvider } from '../types.js';
import { ContextTtsStream } from '../context-stream.js';
import { cartesiaTtsOptionsSchema, type CartesiaTtsOptionsInput } from './options.js';
import { cartesiaWire } from './wire.js';

export { cartesiaTtsOptionsSchema, type CartesiaTtsOptions, type CartesiaTtsOptionsInput } from './options.js';
export { cartesiaUrl } from './wire.js';

/** Creates the Cartesia TTS provider; throws a ZodError when the options are invalid. */
export function createCartesiaTts(options: CartesiaTtsOptionsInput): TtsProvider {
  const parsed = cartesiaTtsOptionsSchema.parse(options);
  return {
    id: 'cartesia',
    openStream: (streamOptions, signal) => new ContextTtsStream(cartesiaWire(parsed, streamOptions), signal, parsed.closeTimeoutMs),
  };
}
