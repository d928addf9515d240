// Cartesia TTS against the Cartesia fake: the shared contract plus exact wire and failure mapping.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCartesiaFake, type CartesiaFake } from '../../../../test/fakes/cartesia/server.js';
import { recordEvents } from '../../stt/contract.js';
import { heardIn, runTtsContract } from '../contract.js';
import type { TtsEvent } from '../types.js';
import { createCartesiaTts, type CartesiaTtsOptionsInput } from './index.js';

runTtsContract('cartesia (against the Cartesia fake)', async () => {
  const fake = await startCartesiaFake({ behaviour: { chunkIntervalMs: 5 } });
  return { provider: createCartesiaTts({ apiKey: fake.apiKey, baseUrl: fake.url }), teardown: () => fake.close() };
});

describe('cartesia TTS wire', () => {
  let fake: CartesiaFake;
  const open = (extra: Partial<CartesiaTtsOptionsInput> = {}, streamOptions = {}) => {
    const stream = createCartesiaTts({ apiKey: fake.apiKey, baseUrl: fake.url, ...extra }).openStream(streamOptions, new AbortController().signal);
    return { stream, recorder: recordEvents(stream) };
  };
  const flushed = (events: TtsEvent[]) => events.filter((e) => e.type === 'flushed').length;
  const errorOf = (events: TtsEvent[]) => {
    const errors = events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(1);
    return errors[0]!.type === 'error' ? errors[0]!.error : undefined;
  };
  const request = (contextId: string, transcript: string, more: boolean, voice = '694f9389-aac1-45b6-b726-9d9369183238') => ({
    model_id: 'sonic-3',
    transcript,
    voice: { mode: 'id', id: voice },
    language: 'en',
    context_id: contextId,
    output_format: { container: 'raw', encoding: 'pcm_mulaw', sample_rate: 8000 },
    continue: more,
  });

  beforeEach(async () => {
    fake = await startCartesiaFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('connects with api_key and cartesia_version in the query', async () => {
    const { stream } = open({ version: '2024-11-13' });
    await fake.until(() => fake.connections.length === 1);
    const { request: upgrade } = fake.connections[0]!;
    expect(upgrade.path).toBe('/tts/websocket');
    expect(upgrade.query.toString()).toBe(`api_key=${fake.apiKey}&cartesia_version=2024-11-13`);
    await stream.close();
  });

  it('sends continue:true inputs per text chunk and an empty continue:false input on flush, one context per utterance', async () => {
    const { stream, recorder } = open({}, { voice: 'v-1', language: 'es-MX' });
    stream.pushText('Hola. ');
    stream.pushText('Adiós.');
    stream.flush();
    stream.pushText('Otra vez.');
    stream.flush();
    await recorder.until((e) => flushed(e) === 2);
    const es = (id: string, text: string, more: boolean) => ({ ...request(id, text, more, 'v-1'), language: 'es' });
    expect(fake.connections[0]!.received).toEqual([
      es('ctx-1', 'Hola. ', true),
      es('ctx-1', 'Adiós.', true),
      es('ctx-1', '', false),
      es('ctx-2', 'Otra vez.', true),
      es('ctx-2', '', false),
    ]);
    expect(heardIn(recorder.events)).toBe('Hola. Adiós.Otra vez.');
    await stream.close();
    await fake.until(() => fake.connections[0]!.closed);
    expect(fake.connections[0]!.closeCode).toBe(1000);
  });

  it('sends cancel for the context on barge-in and drops its in-flight chunks', async () => {
    fake.behaviour.chunkIntervalMs = 5;
    fake.behaviour.chunksAfterCancel = 3;
    const { stream, recorder } = open();
    stream.pushText('A long reply that will be interrupted before it ends, as people do.');
    stream.flush();
    await recorder.until((e) => e.some((x) => x.type === 'audio'));
    stream.cancel();
    const atCancel = recorder.events.length;
    stream.pushText('Yes?');
    stream.flush();
    await recorder.until((e) => flushed(e) === 1);
    expect(fake.connections[0]!.received.filter((m) => m.cancel === true)).toEqual([{ context_id: 'ctx-1', cancel: true }]);
    expect(heardIn(recorder.events.slice(atCancel))).toBe('Yes?');
    await stream.close();
  });

  it('maps an error message for the context to a ProviderError by its status code', async () => {
    fake.behaviour.errorForNextContext = { statusCode: 400, error: 'Invalid voice id' };
    const { stream, recorder } = open();
    stream.pushText('Hello.');
    stream.flush();
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ provider: 'cartesia', category: 'invalid_request', retryable: false, statusCode: 400 });
  });

  it('treats a 5xx error message as retryable', async () => {
    fake.behaviour.errorForNextContext = { statusCode: 503, error: 'overloaded' };
    const { stream, recorder } = open();
    stream.pushText('Hello.');
    stream.flush();
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'server', retryable: true });
  });

  it.each([
    [401, 'auth', false],
    [402, 'quota', false],
    [429, 'rate_limit', true],
    [500, 'server', true],
  ] as const)('turns a refused upgrade (HTTP %i) into one %s error event', async (status, category, retryable) => {
    fake.behaviour.rejectUpgradeWith = status;
    const { recorder } = open();
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ provider: 'cartesia', category, retryable, statusCode: status });
  });

  it('is refused (auth) for a wrong key, and the key appears in no event', async () => {
    const stream = createCartesiaTts({ apiKey: 'sk_wrong_key', baseUrl: fake.url }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    await recorder.done;
    const error = errorOf(recorder.events)!;
    expect(error).toMatchObject({ category: 'auth', statusCode: 401 });
    expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toContain('sk_wrong_key');
  });

  it('reports a drop mid-utterance as a retryable connectivity error', async () => {
    fake.behaviour.dropAfterChunks = 2;
    const { stream, recorder } = open();
    stream.pushText('A sentence long enough to need several chunks of audio.');
    stream.flush();
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'connectivity', retryable: true });
  });

  it('reconnects on the next text when the server closed the socket while idle', async () => {
    const { stream, recorder } = open();
    stream.pushText('One.');
    stream.flush();
    await recorder.until((e) => flushed(e) === 1);
    fake.closeConnections(1001, 'going away');
    await fake.until(() => fake.connections[0]!.closed);
    stream.pushText('Two.');
    stream.flush();
    await recorder.until((e) => flushed(e) === 2);
    expect(fake.connections).toHaveLength(2);
    expect(fake.connections[1]!.received.map((m) => m.context_id)).toEqual(['ctx-2', 'ctx-2']);
    expect(recorder.events.some((e) => e.type === 'error')).toBe(false);
    expect(heardIn(recorder.events)).toBe('One.Two.');
    await stream.close();
  });
});
