// TTS registry: explicit ids, keys from config, fallback chains.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { recordEvents } from '../stt/contract.js';
import { heardIn } from './contract.js';
import { createTtsChain, createTtsProvider, isTtsProviderId, ttsFactories, ttsProviderIds } from './registry.js';

describe('TTS registry', () => {
  it('has a factory for every id it lists, and nothing else', () => {
    expect(Object.keys(ttsFactories).sort()).toEqual([...ttsProviderIds].sort());
    expect(isTtsProviderId('cartesia')).toBe(true);
    expect(isTtsProviderId('polly')).toBe(false);
  });

  it('builds the vendors from the keys they are given, and refuses to build them without', () => {
    expect(createTtsProvider('elevenlabs', { elevenlabs: { apiKey: 'k' } }).id).toBe('elevenlabs');
    expect(createTtsProvider('cartesia', { cartesia: { apiKey: 'k' } }).id).toBe('cartesia');
    expect(createTtsProvider('espeak', {}).id).toBe('espeak');
    expect(() => createTtsProvider('elevenlabs', {})).toThrow(/ELEVENLABS_API_KEY/);
    expect(() => createTtsProvider('cartesia', {})).toThrow(/CARTESIA_API_KEY/);
  });

  it('wraps several providers in a fallback chain', async () => {
    const chain = createTtsChain(['cartesia', 'scripted'], { cartesia: { apiKey: 'k', baseUrl: await closedPortUrl() } });
    expect(chain.id).toBe('fallback(cartesia,scripted)');
    const stream = chain.openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('Hello.');
    stream.flush();
    const events = await recorder.until((e) => e.some((x) => x.type === 'flushed'));
    expect(heardIn(events)).toBe('Hello.');
    await stream.close();
    expect(createTtsChain(['scripted'], {}).id).toBe('scripted');
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
