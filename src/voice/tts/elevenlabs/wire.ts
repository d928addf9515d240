/** The ElevenLabs half of a ContextTtsStream: URL, headers and the JSON of each message. */
import { ProviderError, type ProviderErrorCategory } from '../../../shared/errors.js';
import type { VendorSocketOptions } from '../../shared/vendor-socket.js';
import type { ContextWire, WireEvent } from '../context-stream.js';
import type { TtsStreamOptions } from '../types.js';
import type { ElevenLabsTtsOptions } from './options.js';
import { ELEVENLABS_OUTPUT_FORMAT, type ElevenLabsClientMessage } from './protocol.js';

const PROVIDER = 'elevenlabs';

/** The multi-stream-input URL for a voice and model. */
export function elevenLabsUrl(options: ElevenLabsTtsOptions, stream: TtsStreamOptions = {}): string {
  const voice = encodeURIComponent(stream.voice ?? options.voiceId);
  const params = new URLSearchParams({
    model_id: stream.model ?? options.modelId,
    output_format: ELEVENLABS_OUTPUT_FORMAT,
    inactivity_timeout: String(options.inactivityTimeoutS),
  });
  return `${options.baseUrl.replace(/\/+$/, '')}/v1/text-to-speech/${voice}/multi-stream-input?${params.toString()}`;
}

function categoryOf(text: string): ProviderErrorCategory {
  if (/auth|api[ _-]?key|unauthori[sz]ed|permission/i.test(text)) return 'auth';
  if (/quota|credit|payment/i.test(text)) return 'quota';
  if (/rate|too many|concurren|busy/i.test(text)) return 'rate_limit';
  if (/internal|server|unavailable/i.test(text)) return 'server';
  return 'invalid_request';
}

const json = (message: ElevenLabsClientMessage): string => JSON.stringify(message);

/** Builds the wire for one stream. */
export function elevenLabsWire(options: ElevenLabsTtsOptions, stream: TtsStreamOptions): ContextWire {
  const url = elevenLabsUrl(options, stream);
  return {
    provider: PROVIDER,
    socketOptions: (): VendorSocketOptions => ({
      provider: PROVIDER,
      url,
      headers: { 'xi-api-key': options.apiKey },
      connectTimeoutMs: options.connectTimeoutMs,
    }),
    textMessages: (contextId, text, first) => [
      ...(first ? [json({ text: ' ', voice_settings: options.voiceSettings, context_id: contextId })] : []),
      json({ text, context_id: contextId }),
    ],
    // Flush generates what is buffered; closing the context right after makes the server send
    // isFinal once that audio is out, which is our `flushed`.
    flushMessages: (contextId) => [
      json({ text: '', context_id: contextId, flush: true }),
      json({ context_id: contextId, close_context: true }),
    ],
    // A flushed context was closed by its flush already, and ElevenLabs finishes flushing a
    // closed context anyway: the client's own drop of its audio is what stops it. A context
    // still taking text is closed, which discards its text.
    cancelMessages: (contextId, flushed) => (flushed ? [] : [json({ context_id: contextId, close_context: true })]),
    closeMessage: () => json({ close_socket: true }),
    parse(data, isBinary): WireEvent | null {
      if (isBinary) return null;
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      } catch {
        return null;
      }
      const contextId = typeof message.contextId === 'string' ? message.contextId : (message.context_id as string | undefined);
      if (typeof message.error === 'string' || (message.message && message.audio === undefined && !message.isFinal)) {
        const text = `${String(message.error ?? '')} ${String(message.message ?? '')}`;
        const error = new ProviderError(PROVIDER, categoryOf(text), 'elevenlabs reported an error', { cause: new Error(text.trim()) });
        return contextId ? { type: 'error', contextId, error } : { type: 'error', error };
      }
      if (!contextId) return null;
      if (typeof message.audio === 'string' && message.audio.length > 0) {
        return { type: 'audio', contextId, payload: Buffer.from(message.audio, 'base64') };
      }
      if (message.isFinal === true) return { type: 'done', contextId };
      return null;
    },
  };
}
