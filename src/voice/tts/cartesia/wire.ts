/** The Cartesia half of a ContextTtsStream: URL and the JSON of each message. */
import { ProviderError } from '../../../shared/errors.js';
import type { VendorSocketOptions } from '../../shared/vendor-socket.js';
import type { ContextWire, WireEvent } from '../context-stream.js';
import type { TtsStreamOptions } from '../types.js';
import type { CartesiaTtsOptions } from './options.js';
import { CARTESIA_OUTPUT_FORMAT, type CartesiaClientMessage, type CartesiaServerMessage } from './protocol.js';

const PROVIDER = 'cartesia';

/** The WebSocket URL; Cartesia takes the key in the query string, so it is never logged or put in errors. */
export function cartesiaUrl(options: CartesiaTtsOptions): string {
  const params = new URLSearchParams({ api_key: options.apiKey, cartesia_version: options.version });
  return `${options.baseUrl.replace(/\/+$/, '')}/tts/websocket?${params.toString()}`;
}

const json = (message: CartesiaClientMessage): string => JSON.stringify(message);

/** Builds the wire for one stream. */
export function cartesiaWire(options: CartesiaTtsOptions, stream: TtsStreamOptions): ContextWire {
  const url = cartesiaUrl(options);
  const language = (stream.language?.split('-')[0] ?? options.language).toLowerCase();
  const request = (contextId: string, transcript: string, more: boolean): string =>
    json({
      model_id: stream.model ?? options.modelId,
      transcript,
      voice: { mode: 'id', id: stream.voice ?? options.voiceId },
      language,
      context_id: contextId,
      output_format: CARTESIA_OUTPUT_FORMAT,
      continue: more,
    });
  return {
    provider: PROVIDER,
    socketOptions: (): VendorSocketOptions => ({ provider: PROVIDER, url, connectTimeoutMs: options.connectTimeoutMs }),
    textMessages: (contextId, text) => [request(contextId, text, true)],
    // An empty transcript with continue:false ends the context without knowing the last words in advance.
    flushMessages: (contextId) => [request(contextId, '', false)],
    cancelMessages: (contextId) => [json({ context_id: contextId, cancel: true })],
    closeMessage: () => null,
    parse(data, isBinary): WireEvent | null {
      if (isBinary) return null;
      let message: CartesiaServerMessage;
      try {
        message = JSON.parse(data.toString('utf8')) as CartesiaServerMessage;
      } catch {
        return null;
      }
      const contextId = message.context_id;
      switch (message.type) {
        case 'chunk':
          return contextId ? { type: 'audio', contextId, payload: Buffer.from(message.data, 'base64') } : null;
        case 'done':
          return contextId ? { type: 'done', contextId } : null;
        case 'error': {
          const cause = new Error(message.error ?? 'unknown error');
          const error = message.status_code
            ? ProviderError.fromStatus(PROVIDER, message.status_code, `cartesia reported an error (${message.status_code})`, cause)
            : new ProviderError(PROVIDER, 'unknown', 'cartesia reported an error', { cause, retryable: true });
          return contextId ? { type: 'error', contextId, error } : { type: 'error', error };
        }
        default:
          return null;
      }
    },
  };
}
