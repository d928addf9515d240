// STT registry: explicit ids, keys from config, fallback chains.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { recordEvents, speakInto } from './contract.js';
import { createSttChain, createSttProvider, isSttProviderId, sttFactories, sttProviderIds } from './registry.js';

describe('STT registry', () => {
  it('has a factory for every id it lists, and nothing else', () => {
    expect(Object.keys(sttFactories).sort()).toEqual([...sttProviderIds].sort());
    expect(isSttProviderId('deepgram')).toBe(true);
    expect(isSttProviderId('whisper')).toBe(false);
  });

  it('builds deepgram from the key it is given, and refuses to build it without one', () => {
    expect(createSttProvider('deepgram', { deepgram: { apiKey: 'k' } }).id).toBe('deepgram');
    expect(() => createSttProvider('deepgram', {})).toThrow(expect.objectContaining({ category: 'auth', retryable: false }));
    expect(() => createSttProvider('deepgram', {})).toThrow(/DEEPGRAM_API_KEY/);
  });

  it('wraps several providers in a fallback chain, and a single one not at all', async () => {
    expect(createSttChain(['scripted'], {}).id).toBe('scripted');
    const chain = createSttChain(['deepgram', 'scripted'], { deepgram: { apiKey: 'k', baseUrl: await closedPortUrl() } });
    expect(chain.id).toBe('fallback(deepgram,scripted)');
    // Nothing listens there: the chain falls through to the scripted provider.
    const stream = chain.openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    speakInto(stream, 'Hi', 400);
    await recorder.until((events) => events.some((e) => e.type === 'transcript' && e.speechFinal));
    await stream.close();
    expect(() => createSttChain([], {})).toThrow(RangeError);
  });
});

/** A ws:// URL on a port nothing listens on (taken, then released). */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `ws://127.0.0.1:${port}`;
}
