/**
 * Renders a whole text to audio with a streaming TTS, outside any conversation: what the agent
 * says where no voice session plays it (a warm transfer's briefing, which the carrier plays to
 * the target on a leg of its own).
 */
import { ProviderError } from '../../shared/errors.js';
import type { TtsProvider, TtsStreamOptions } from './types.js';

/** The text in the voice `options` name: μ-law 8 kHz mono. Rejects on a provider error, an abort or `timeoutMs`. */
export async function renderSpeech(provider: TtsProvider, options: TtsStreamOptions, text: string, signal: AbortSignal, timeoutMs = 10_000): Promise<Buffer> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, timeoutMs);
  const stream = provider.openStream(options, controller.signal);
  const chunks: Buffer[] = [];
  try {
    stream.pushText(text);
    stream.flush();
    for await (const event of stream) {
      if (controller.signal.aborted) break;
      if (event.type === 'audio') chunks.push(event.payload);
      else if (event.type === 'error') throw event.error;
      else break;
    }
    if (controller.signal.aborted) throw new ProviderError(provider.id, 'connectivity', 'speech was not rendered in time');
    if (chunks.length === 0) throw new ProviderError(provider.id, 'server', 'the voice rendered no audio');
    return Buffer.concat(chunks);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
    await stream.close().catch(() => undefined);
  }
}
