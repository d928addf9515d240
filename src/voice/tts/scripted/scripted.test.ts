// Scripted TTS: the shared contract, pace, first-byte delay, scripted failures.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordEvents } from '../../stt/contract.js';
import { heardIn, runTtsContract } from '../contract.js';
import { createScriptedTts } from './index.js';

runTtsContract('scripted', async () => ({ provider: createScriptedTts({ chunkIntervalMs: 5 }) }));

describe('scripted TTS', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes audio as long as the speaking pace says', async () => {
    const stream = createScriptedTts({ wordsPerMinute: 150 }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('abcdefghij');
    stream.flush();
    const events = await recorder.until((e) => e.some((x) => x.type === 'flushed'));
    const bytes = events.reduce((sum, e) => sum + (e.type === 'audio' ? e.payload.length : 0), 0);
    expect(bytes / 8).toBeCloseTo((10 * 60_000) / (150 * 6), 0);
    await stream.close();
  });

  it('waits firstByteDelayMs before the first audio, and sends chunks of chunkMs', async () => {
    vi.useFakeTimers();
    const stream = createScriptedTts({ firstByteDelayMs: 250, chunkMs: 20 }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('Hi');
    stream.flush();
    await vi.advanceTimersByTimeAsync(249);
    expect(recorder.events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const audio = recorder.events.filter((e) => e.type === 'audio');
    expect(audio.map((e) => e.type === 'audio' && e.payload.length)).toEqual([160, 160, 160, 160, 160, 160, 80]);
    expect(heardIn(recorder.events)).toBe('Hi');
    await stream.close();
  });

  it('fails on purpose after the audio asked for, mid-utterance', async () => {
    const stream = createScriptedTts({ failure: { category: 'connectivity', afterAudioMs: 300 } }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('This sentence will be cut off.');
    stream.flush();
    await recorder.done;
    const last = recorder.events.at(-1);
    expect(last).toEqual({ type: 'error', error: expect.objectContaining({ provider: 'scripted', category: 'connectivity', retryable: true }) });
    expect(recorder.events.some((e) => e.type === 'flushed')).toBe(false);
    expect(heardIn(recorder.events)).toBe('This ');
  });
});

describe('scripted TTS with recordings', () => {
  it('plays the recording of a text it has one for, and scripted speech for any other', async () => {
    const recording = Buffer.alloc(1234, 0x55);
    const stream = createScriptedTts({ recordings: new Map([['Goodbye.', recording]]) }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText(' Goodbye. ');
    stream.flush();
    let events = await recorder.until((e) => e.filter((x) => x.type === 'flushed').length === 1);
    const played = Buffer.concat(events.flatMap((e) => (e.type === 'audio' ? [e.payload] : [])));
    expect(played.equals(recording)).toBe(true);
    stream.pushText('Hello.');
    stream.flush();
    events = await recorder.until((e) => e.filter((x) => x.type === 'flushed').length === 2);
    expect(heardIn(events.slice(events.findIndex((e) => e.type === 'flushed') + 1))).toBe('Hello.');
    await stream.close();
  });
});
