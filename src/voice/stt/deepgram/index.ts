/**
 * Deepgram live speech-to-text (nova-3 by default) over its WebSocket, μ-law 8 kHz straight
 * from the phone line.
 *
 * Server configuration: `DEEPGRAM_API_KEY` -> `apiKey` (required); the config module may also
 * map a base URL (e.g. a self-hosted Deepgram or a regional endpoint) onto `baseUrl`. The
 * provider never reads the environment itself.
 *
 * Behaviour: audio pushed while the socket connects is buffered (up to `maxBufferedBytes`)
 * and sent on open; a KeepAlive goes out after `keepAliveMs` without audio; flush() sends
 * Finalize; close() sends CloseStream and waits for the last results; a refused upgrade
 * (401 -> auth, 429 -> rate_limit, 5xx -> server), a connect failure or a drop becomes one
 * `error` event, after which the stream ends. Aborting the signal ends it at once.
 */
import type { SttProvider } from '../types.js';
import { deepgramSttOptionsSchema, type DeepgramSttOptionsInput } from './options.js';
import { DeepgramSttStream } from './stream.js';

export { deepgramSttOptionsSchema, type DeepgramSttOptions, type DeepgramSttOptionsInput } from './options.js';
export { deepgramListenUrl } from './stream.js';

/** Creates the Deepgram STT provider; throws a ZodError when the options are invalid. */
export function createDeepgramStt(options: DeepgramSttOptionsInput): SttProvider {
  const parsed = deepgramSttOptionsSchema.parse(options);
  return {
    id: 'deepgram',
    openStream: (streamOptions, signal) => new DeepgramSttStream(parsed, streamOptions, signal),
  };
}
