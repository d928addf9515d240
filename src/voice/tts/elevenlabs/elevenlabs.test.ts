// ElevenLabs TTS against the ElevenLabs fake: the shared contract plus exact wire and failure mapping.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startElevenLabsFake, type ElevenLabsFake } from '../../../../test/fakes/elevenlabs/server.js';
import { recordEvents } from '../../stt/contract.js';
import { heardIn, runTtsContract } from '../contract.js';
import type { TtsEvent } from '../types.js';
import { createElevenLabsTts, type ElevenLabsTtsOptionsInput } from './index.js';

runTtsContract('elevenlabs (against the ElevenLabs fake)', async () => {
  const fake = await startElevenLabsFake({ behaviour: { chunkIntervalMs: 5 } });
  return { provider: createElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.url }), teardown: () => fake.close() };
});

describe('elevenlabs TTS wire', () => {
  let fake: ElevenLabsFake;
  const provider = (extra: Partial<ElevenLabsTtsOptionsInput> = {}) =>
    createElevenLabsTts({ apiKey: fake.apiKey, baseUrl: fake.url, ...extra });
  const open = (extra: Partial<ElevenLabsTtsOptionsInput> = {}, voice?: string) => {
    const stream = provider(extra).openStream(voice ? { voice } : {}, new AbortController().signal);
    return { stream, recorder: recordEvents(stream) };
  };
  const flushed = (events: TtsEvent[]) => events.filter((e) => e.type === 'flushed').length;
  const errorOf = (events: TtsEvent[]) => {
    const errors = events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(1);
    return errors[0]!.type === 'error' ? errors[0]!.error : undefined;
  };

  beforeEach(async () => {
    fake = await startElevenLabsFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('connects to multi-stream-input for the voice with model_id, ulaw_8000 and the xi-api-key header', async () => {
    const { stream } = open({ inactivityTimeoutS: 120 }, 'voice-123');
    const defaults = open();
    await fake.until(() => fake.connections.length === 2);
    const chosen = fake.connections.find((c) => c.voiceId === 'voice-123')!;
    const { request, multiContext } = chosen;
    expect(request.path).toBe('/v1/text-to-speech/voice-123/multi-stream-input');
    expect(request.query.toString()).toBe('model_id=eleven_flash_v2_5&output_format=ulaw_8000&inactivity_timeout=120');
    expect(request.headers['xi-api-key']).toBe(fake.apiKey);
    expect(multiContext).toBe(true);
    const fallback = fake.connections.find((c) => c !== chosen)!;
    expect(fallback.request.path).toBe('/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/multi-stream-input');
    expect(fallback.request.query.get('inactivity_timeout')).toBe('180');
    await Promise.all([stream.close(), defaults.stream.close()]);
  });

  it('sends BOS with voice settings, text chunks, flush and close_context per utterance, close_socket on close', async () => {
    const { stream, recorder } = open();
    stream.pushText('Hello. ');
    stream.pushText('Bye.');
    stream.flush();
    stream.pushText('Again.');
    stream.flush();
    await recorder.until((e) => flushed(e) === 2);
    await stream.close();
    await fake.until(() => fake.connections[0]!.closed);
    expect(fake.connections[0]!.received).toEqual([
      { text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.75 }, context_id: 'ctx-1' },
      { text: 'Hello. ', context_id: 'ctx-1' },
      { text: 'Bye.', context_id: 'ctx-1' },
      { text: '', context_id: 'ctx-1', flush: true },
      { context_id: 'ctx-1', close_context: true },
      { text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.75 }, context_id: 'ctx-2' },
      { text: 'Again.', context_id: 'ctx-2' },
      { text: '', context_id: 'ctx-2', flush: true },
      { context_id: 'ctx-2', close_context: true },
      { close_socket: true },
    ]);
    expect(fake.connections[0]!.closeCode).toBe(1000);
    expect(heardIn(recorder.events)).toBe('Hello. Bye.Again.');
  });

  it('on cancel drops the audio the server keeps sending for a flushed context', async () => {
    fake.behaviour.chunkIntervalMs = 10;
    const { stream, recorder } = open();
    stream.pushText('This is a long answer that the callee is about to interrupt rudely.');
    stream.flush();
    await recorder.until((e) => e.some((x) => x.type === 'audio'));
    const chunksAtCancel = fake.connections[0]!.audioChunks;
    stream.cancel();
    const atCancel = recorder.events.length;
    // The fake, like ElevenLabs, keeps flushing ctx-1: wait until it has sent more audio.
    await fake.until(() => fake.connections[0]!.audioChunks >= chunksAtCancel + 5);
    stream.pushText('Go on.');
    stream.flush();
    await recorder.until((e) => flushed(e) === 1);
    expect(fake.connections[0]!.received.filter((m) => m.close_context === true)).toEqual([
      { context_id: 'ctx-1', close_context: true },
      { context_id: 'ctx-2', close_context: true },
    ]);
    expect(heardIn(recorder.events.slice(atCancel))).toBe('Go on.');
    await stream.close();
  });

  it('on cancel closes a context that was still taking text, so its text is never spoken', async () => {
    const { stream, recorder } = open();
    stream.pushText('Half a thought');
    await fake.until(() => fake.connections[0]?.received.length === 2);
    stream.cancel();
    stream.pushText('A new thought.');
    stream.flush();
    await recorder.until((e) => flushed(e) === 1);
    expect(fake.connections[0]!.received.slice(2, 3)).toEqual([{ context_id: 'ctx-1', close_context: true }]);
    expect(heardIn(recorder.events)).toBe('A new thought.');
    await stream.close();
  });

  it('plays the next utterance only after the current one, though the server interleaves them', async () => {
    fake.behaviour.chunkIntervalMs = 3;
    fake.behaviour.chunkMs = 40;
    const { stream, recorder } = open();
    stream.pushText('The first sentence is rather long.');
    stream.flush();
    stream.pushText('Short second.');
    stream.flush();
    const events = await recorder.until((e) => flushed(e) === 2);
    const split = events.findIndex((e) => e.type === 'flushed');
    expect(heardIn(events.slice(0, split))).toBe('The first sentence is rather long.');
    expect(heardIn(events.slice(split + 1))).toBe('Short second.');
    await stream.close();
  });

  it('reconnects on the next text after the server closed an idle socket', async () => {
    fake.behaviour.inactivityTimeoutMs = 50;
    const { stream, recorder } = open();
    await fake.until(() => fake.connections[0]?.closed === true);
    stream.pushText('Still there?');
    stream.flush();
    await recorder.until((e) => flushed(e) === 1);
    expect(fake.connections).toHaveLength(2);
    expect(recorder.events.some((e) => e.type === 'error')).toBe(false);
    expect(heardIn(recorder.events)).toBe('Still there?');
    await stream.close();
  });

  it('replays an utterance on a new socket when the server closed the old one before any audio', async () => {
    // The vendor's idle timeout firing just as the next sentence goes out.
    fake.behaviour.closeOnceAfterMessages = { afterMessages: 2, code: 1008, reason: 'Have not received a new text input within the timeout' };
    const { stream, recorder } = open();
    stream.pushText('Are you still there?');
    stream.flush();
    await recorder.until((e) => flushed(e) === 1);
    expect(fake.connections).toHaveLength(2);
    expect(fake.connections[0]!.received).toHaveLength(2);
    expect(fake.connections[1]!.received).toEqual([
      { text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.75 }, context_id: 'ctx-1' },
      { text: 'Are you still there?', context_id: 'ctx-1' },
      { text: '', context_id: 'ctx-1', flush: true },
      { context_id: 'ctx-1', close_context: true },
    ]);
    expect(recorder.events.some((e) => e.type === 'error')).toBe(false);
    expect(heardIn(recorder.events)).toBe('Are you still there?');
    await stream.close();
  });

  it('does not replay an utterance whose audio had begun: that loss is an error', async () => {
    fake.behaviour.closeAfterChunks = { chunks: 1, code: 1011, reason: 'internal error' };
    const { stream, recorder } = open();
    stream.pushText('A sentence long enough to need several chunks of audio.');
    stream.flush();
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'server', retryable: true });
    expect(fake.connections).toHaveLength(1);
  });

  it('measures the first byte after the configured server delay', async () => {
    fake.behaviour.firstByteDelayMs = 120;
    const { stream, recorder } = open();
    await fake.until(() => fake.connections.length === 1);
    const started = Date.now();
    stream.pushText('Hi.');
    stream.flush();
    await recorder.until((e) => e.some((x) => x.type === 'audio'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    await stream.close();
  });

  it.each([
    [401, 'auth', false],
    [429, 'rate_limit', true],
    [500, 'server', true],
  ] as const)('turns a refused upgrade (HTTP %i) into one %s error event', async (status, category, retryable) => {
    fake.behaviour.rejectUpgradeWith = status;
    const { recorder } = open();
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ provider: 'elevenlabs', category, retryable, statusCode: status });
  });

  it('is refused (auth) when the key is wrong', async () => {
    const stream = createElevenLabsTts({ apiKey: 'nope', baseUrl: fake.url }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'auth', statusCode: 401 });
  });

  it('reports a drop mid-utterance as a retryable connectivity error', async () => {
    fake.behaviour.dropAfterChunks = 2;
    const { stream, recorder } = open();
    stream.pushText('A sentence long enough to need several chunks of audio.');
    stream.flush();
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'connectivity', retryable: true });
  });

  it('maps an error message from the server (quota) to a permanent error', async () => {
    fake.behaviour.errorAfterChunks = { chunks: 1, error: 'quota_exceeded', message: 'This request exceeds your quota.' };
    const { stream, recorder } = open();
    stream.pushText('A sentence long enough to need several chunks of audio.');
    stream.flush();
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'quota', retryable: false });
  });

  it('maps a 1008 close about the key to auth', async () => {
    fake.behaviour.closeAfterChunks = { chunks: 1, code: 1008, reason: 'Invalid API key' };
    const { stream, recorder } = open();
    stream.pushText('A sentence long enough to need several chunks of audio.');
    stream.flush();
    await recorder.done;
    expect(errorOf(recorder.events)).toMatchObject({ category: 'auth', retryable: false });
  });
});
