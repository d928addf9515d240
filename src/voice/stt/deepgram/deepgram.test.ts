// Deepgram STT against the Deepgram fake: the shared contract plus exact wire and failure mapping.
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startDeepgramFake, type DeepgramFake } from '../../../../test/fakes/deepgram/server.js';
import { encodeScriptedSpeech } from '../../../media/scripted-speech.js';
import { silenceMulaw, sliceFrames } from '../../../media/signal.js';
import { recordEvents, runSttContract, speakInto } from '../contract.js';
import type { SttEvent } from '../types.js';
import { createDeepgramStt, type DeepgramSttOptionsInput } from './index.js';

runSttContract('deepgram (against the Deepgram fake)', async () => {
  const fake = await startDeepgramFake();
  return { provider: createDeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url }), teardown: () => fake.close() };
});

describe('deepgram STT wire', () => {
  let fake: DeepgramFake;
  const controller = () => new AbortController();
  const provider = (extra: Partial<DeepgramSttOptionsInput> = {}) =>
    createDeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url, ...extra });
  const errorOf = (events: SttEvent[]) => {
    const errors = events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(1);
    return errors[0]!.type === 'error' ? errors[0]!.error : undefined;
  };

  beforeEach(async () => {
    fake = await startDeepgramFake();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await fake.close();
  });

  it('connects with the documented query string and the Token header', async () => {
    const stream = provider().openStream({ keywords: ['Parley', 'Acme'] }, controller().signal);
    await fake.until(() => fake.connections.length === 1);
    const { request } = fake.connections[0]!;
    expect(request.path).toBe('/v1/listen');
    expect(request.query.toString()).toBe(
      'model=nova-3&language=en-US&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true' +
        '&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true&keyterm=Parley&keyterm=Acme',
    );
    expect(request.headers.authorization).toBe(`Token ${fake.apiKey}`);
    await stream.close();
  });

  it('lets the stream options override model, language and endpointing; older models boost with keywords', async () => {
    const stream = provider().openStream({ model: 'nova-2-phonecall', language: 'es', endpointingMs: 500, keywords: ['Parley'] }, controller().signal);
    await fake.until(() => fake.connections.length === 1);
    const { query } = fake.connections[0]!.request;
    expect([query.get('model'), query.get('language'), query.get('endpointing'), query.getAll('keywords')]).toEqual([
      'nova-2-phonecall',
      'es',
      '500',
      ['Parley'],
    ]);
    await stream.close();
  });

  it('sends audio pushed while connecting first, in order, then Finalize on flush and CloseStream on close', async () => {
    const stream = provider().openStream({}, controller().signal);
    const recorder = recordEvents(stream);
    const audio = Buffer.concat([encodeScriptedSpeech('Hi there'), silenceMulaw(100)]);
    const frames = sliceFrames(audio);
    for (const payload of frames) stream.pushAudio({ kind: 'audio', payload });
    stream.flush();
    await recorder.until((events) => events.some((e) => e.type === 'transcript' && e.isFinal));
    await stream.close();
    await recorder.done;
    const received = fake.connections[0]!.received;
    expect(received.map((m) => (m.kind === 'audio' ? m.bytes : m.message.type))).toEqual([
      ...frames.map((f) => f.length),
      'Finalize',
      'CloseStream',
    ]);
    const finalResult = fake.connections[0]!.sent.find((m) => m.type === 'Results' && m.is_final);
    expect(finalResult).toMatchObject({ from_finalize: true, speech_final: false });
    expect(recorder.events.filter((e) => e.type === 'transcript' && e.isFinal)).toEqual([
      { type: 'transcript', text: 'Hi there', isFinal: true, speechFinal: false, confidence: 0.99, startMs: 0, endMs: expect.any(Number) },
    ]);
    await fake.until(() => fake.connections[0]!.closed);
    expect(fake.connections[0]!.closeCode).toBe(1000);
  });

  it('maps Results, SpeechStarted and UtteranceEnd to events with times in milliseconds', async () => {
    const stream = provider().openStream({}, controller().signal);
    const recorder = recordEvents(stream);
    stream.pushAudio({ kind: 'audio', payload: silenceMulaw(500) });
    speakInto(stream, 'Yes please', 1300);
    await recorder.until((events) => events.some((e) => e.type === 'utterance_end'));
    expect(recorder.events[0]).toEqual({ type: 'speech_started', atMs: 500 });
    const final = recorder.events.find((e) => e.type === 'transcript' && e.speechFinal);
    expect(final).toEqual({ type: 'transcript', text: 'Yes please', isFinal: true, speechFinal: true, confidence: 0.99, startMs: 500, endMs: 1160 });
    expect(recorder.events.at(-1)).toEqual({ type: 'utterance_end', lastWordEndMs: 1160 });
    await stream.close();
  });

  it('sends KeepAlive only after keepAliveMs without audio', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const stream = provider({ keepAliveMs: 4000 }).openStream({}, controller().signal);
    const frame = () => stream.pushAudio({ kind: 'audio', payload: silenceMulaw(20) });
    let sentinel = 0;
    // An audio frame the fake has received proves every message sent before it arrived too.
    const sync = async () => {
      frame();
      sentinel += 160;
      await fake.until(() => (fake.connections[0]?.audioBytes ?? 0) >= sentinel);
    };
    const keepAlives = () => fake.connections[0]!.received.filter((m) => m.kind === 'json' && m.message.type === 'KeepAlive').length;
    await sync();
    await vi.advanceTimersByTimeAsync(3000);
    await sync();
    await vi.advanceTimersByTimeAsync(3999);
    await sync();
    expect(keepAlives()).toBe(0);
    await vi.advanceTimersByTimeAsync(4000);
    await fake.until(() => keepAlives() === 1);
    await vi.advanceTimersByTimeAsync(4000);
    await fake.until(() => keepAlives() === 2);
    await sync();
    const received = fake.connections[0]!.received;
    expect(received.at(-1)).toEqual({ kind: 'audio', bytes: 160 });
    stream.flush();
    vi.useRealTimers();
    await stream.close();
  });

  it.each([
    [401, 'auth', false],
    [403, 'auth', false],
    [429, 'rate_limit', true],
    [500, 'server', true],
    [503, 'server', true],
  ] as const)('turns a refused upgrade (HTTP %i) into one %s error event', async (status, category, retryable) => {
    fake.behaviour.rejectUpgradeWith = status;
    const stream = provider().openStream({}, controller().signal);
    const recorder = recordEvents(stream);
    speakInto(stream, 'Hello');
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ provider: 'deepgram', category, retryable, statusCode: status, requestId: `fake-request-${status}` });
  });

  it('is refused (auth) when the key is wrong: the fake checks the header', async () => {
    const stream = createDeepgramStt({ apiKey: 'wrong', baseUrl: fake.url }).openStream({}, controller().signal);
    const recorder = recordEvents(stream);
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'auth', statusCode: 401 });
    expect(JSON.stringify(recorder.events)).not.toContain('wrong');
  });

  it('reports a connection drop mid-stream as a retryable connectivity error', async () => {
    fake.behaviour.dropAfterAudioBytes = 1600;
    const stream = provider().openStream({}, controller().signal);
    const recorder = recordEvents(stream);
    speakInto(stream, 'This call will drop halfway through');
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'connectivity', retryable: true });
  });

  it('reports the server closing an idle stream (1011) as a retryable server error', async () => {
    fake.behaviour.idleTimeoutMs = 50;
    const stream = provider({ keepAliveMs: 60_000 }).openStream({}, controller().signal);
    const recorder = recordEvents(stream);
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'server', retryable: true });
  });

  it('reports a refused TCP connection as connectivity', async () => {
    const url = fake.url;
    await fake.close();
    fake = await startDeepgramFake();
    const stream = createDeepgramStt({ apiKey: 'k', baseUrl: url }).openStream({}, controller().signal);
    const recorder = recordEvents(stream);
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'connectivity', retryable: true });
  });

  it('gives up on a server that never answers the upgrade after connectTimeoutMs', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const stream = createDeepgramStt({ apiKey: 'k', baseUrl: `ws://127.0.0.1:${port}`, connectTimeoutMs: 100 }).openStream({}, controller().signal);
      const recorder = recordEvents(stream);
      await recorder.done;
      expect(errorOf(recorder.events)).toMatchObject({ category: 'connectivity', retryable: true });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });

  it('still delivers transcripts when the first response is slow', async () => {
    fake.behaviour.firstResponseDelayMs = 150;
    const stream = provider().openStream({}, controller().signal);
    const recorder = recordEvents(stream);
    speakInto(stream, 'Slow line', 400);
    await recorder.until((events) => events.some((e) => e.type === 'transcript' && e.speechFinal));
    expect(recorder.events.find((e) => e.type === 'transcript' && e.speechFinal)).toMatchObject({ text: 'Slow line' });
    await stream.close();
  });

  it('ends at once without an error when aborted while connecting, and closes the socket', async () => {
    fake.behaviour.firstResponseDelayMs = 1000;
    const abort = controller();
    const stream = provider().openStream({}, abort.signal);
    const recorder = recordEvents(stream);
    abort.abort();
    await recorder.done;
    expect(recorder.events).toEqual([]);
    await stream.close();
  });

  it('answers with whatever the pluggable recognizer hears', async () => {
    const custom = await startDeepgramFake({
      recognizer: (params) => ({
        push: () => [],
        finalize: () => [
          { type: 'transcript', text: `endpointing ${params.endpointingMs}`, isFinal: true, speechFinal: false, startMs: 0, endMs: 250 },
        ],
      }),
    });
    try {
      const stream = createDeepgramStt({ apiKey: custom.apiKey, baseUrl: custom.url, endpointingMs: 450 }).openStream({}, controller().signal);
      const recorder = recordEvents(stream);
      stream.pushAudio({ kind: 'audio', payload: silenceMulaw(20) });
      stream.flush();
      const events = await recorder.until((e) => e.length === 1);
      expect(events).toEqual([
        { type: 'transcript', text: 'endpointing 450', isFinal: true, speechFinal: false, confidence: 0.99, startMs: 0, endMs: 250 },
      ]);
      await stream.close();
    } finally {
      await custom.close();
    }
  });

  it('rejects options without an API key', () => {
    expect(() => createDeepgramStt({ apiKey: '' })).toThrow();
  });
});
