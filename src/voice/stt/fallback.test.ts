// fallbackStt: switching providers on failure, replaying audio, one timeline.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDeepgramFake, type DeepgramFake } from '../../../test/fakes/deepgram/server.js';
import { silenceMulaw, sliceFrames } from '../../media/signal.js';
import { recordEvents, runSttContract, speakInto } from './contract.js';
import { createDeepgramStt } from './deepgram/index.js';
import { fallbackStt } from './fallback.js';
import { createScriptedStt } from './scripted/index.js';
import type { SttEvent } from './types.js';

runSttContract('fallback (first provider fails at once)', async () => ({
  provider: fallbackStt([createScriptedStt({ id: 'broken', failure: { category: 'connectivity' } }), createScriptedStt()]),
}));

const speechFinals = (events: SttEvent[]) => events.filter((e) => e.type === 'transcript' && e.speechFinal);

describe('fallbackStt', () => {
  let fake: DeepgramFake;
  beforeEach(async () => {
    fake = await startDeepgramFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('moves to the next provider when Deepgram drops mid-utterance, replaying the words in progress', async () => {
    fake.behaviour.dropAfterAudioBytes = 2400;
    const provider = fallbackStt([createDeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url }), createScriptedStt()]);
    expect(provider.id).toBe('fallback(deepgram,scripted)');
    const stream = provider.openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    speakInto(stream, 'Hello there, how are you today?', 600);
    const events = await recorder.until((e) => speechFinals(e).length === 1);
    expect(speechFinals(events)).toEqual([expect.objectContaining({ text: 'Hello there, how are you today?' })]);
    expect(events.some((e) => e.type === 'error')).toBe(false);
    expect(fake.connections[0]!.audioBytes).toBeGreaterThanOrEqual(2400);
    await stream.close();
  });

  it('keeps event times on one timeline across the switch', async () => {
    const provider = fallbackStt([createScriptedStt({ failure: { category: 'server', afterAudioMs: 3000 } }), createScriptedStt()], {
      maxReplayMs: 1000,
    });
    const stream = provider.openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    for (const payload of sliceFrames(silenceMulaw(3000))) stream.pushAudio({ kind: 'audio', payload });
    // The first provider fails at 3 s; the second hears only the last second, yet times read as one stream.
    speakInto(stream, 'Hi', 400);
    const events = await recorder.until((e) => speechFinals(e).length === 1);
    expect(events[0]).toEqual({ type: 'speech_started', atMs: 3000 });
    expect(speechFinals(events)[0]).toMatchObject({ text: 'Hi', startMs: 3000 });
    await stream.close();
  });

  it('passes a permanent error on instead of falling back', async () => {
    const stream = fallbackStt([createScriptedStt({ failure: { category: 'auth' } }), createScriptedStt()]).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    await recorder.done;
    expect(recorder.events).toEqual([{ type: 'error', error: expect.objectContaining({ category: 'auth' }) }]);
  });

  it('falls back on any error the caller says to', async () => {
    const provider = fallbackStt([createScriptedStt({ failure: { category: 'auth' } }), createScriptedStt()], { shouldFallBack: () => true });
    const stream = provider.openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    speakInto(stream, 'Okay', 400);
    await recorder.until((e) => speechFinals(e).length === 1);
    expect(recorder.events.some((e) => e.type === 'error')).toBe(false);
    await stream.close();
  });

  it('passes the last error on when every provider fails', async () => {
    fake.behaviour.rejectUpgradeWith = 503;
    const deepgram = createDeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url });
    const stream = fallbackStt([deepgram, createScriptedStt({ failure: { category: 'rate_limit' } })]).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    speakInto(stream, 'Hello');
    await recorder.done;
    expect(recorder.events).toEqual([{ type: 'error', error: expect.objectContaining({ category: 'rate_limit', provider: 'scripted' }) }]);
  });

  it('refuses an empty provider list', () => {
    expect(() => fallbackStt([])).toThrow(RangeError);
  });
});

describe('fallbackStt remembers failing providers across streams', () => {
  let fake: DeepgramFake;
  beforeEach(async () => {
    fake = await startDeepgramFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('starts the next streams on the provider that works while Deepgram is down, and probes Deepgram back after the cool-down', async () => {
    fake.behaviour.rejectUpgradeWith = 503;
    let nowMs = 0;
    const provider = fallbackStt([createDeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url }), createScriptedStt()], {
      health: { cooldownMs: 30_000, now: () => nowMs },
    });
    const hear = async () => {
      const stream = provider.openStream({}, new AbortController().signal);
      const recorder = recordEvents(stream);
      speakInto(stream, 'Yes, that works.', 400);
      const events = await recorder.until((e) => speechFinals(e).length === 1);
      await stream.close();
      return events;
    };

    expect(speechFinals(await hear())).toEqual([expect.objectContaining({ text: 'Yes, that works.' })]);
    expect(fake.upgradeAttempts).toBe(1);
    // The outage goes on: the next two streams do not knock on Deepgram's door again.
    expect(speechFinals(await hear())).toHaveLength(1);
    expect(speechFinals(await hear())).toHaveLength(1);
    expect(fake.upgradeAttempts).toBe(1);

    // Deepgram recovers; after the cool-down one stream probes it and it is first again.
    fake.behaviour.rejectUpgradeWith = undefined;
    nowMs += 30_000;
    expect(speechFinals(await hear())).toHaveLength(1);
    expect(fake.upgradeAttempts).toBe(2);
    expect(fake.connections.at(-1)!.audioBytes).toBeGreaterThan(0);
    await hear();
    expect(fake.upgradeAttempts).toBe(3);
  });
});
