// fallbackTts: switching providers on failure and resending what was not spoken.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCartesiaFake, type CartesiaFake } from '../../../test/fakes/cartesia/server.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../../../test/fakes/elevenlabs/server.js';
import { decodeScriptedSpeech } from '../../media/scripted-speech.js';
import { recordEvents } from '../stt/contract.js';
import { createCartesiaTts } from './cartesia/index.js';
import { heardIn, runTtsContract } from './contract.js';
import { createElevenLabsTts } from './elevenlabs/index.js';
import { fallbackTts, unspokenText } from './fallback.js';
import { createScriptedTts } from './scripted/index.js';
import type { TtsEvent } from './types.js';

runTtsContract('fallback (first provider fails at once)', async () => ({
  provider: fallbackTts([createScriptedTts({ id: 'broken', failure: { category: 'connectivity' } }), createScriptedTts({ chunkIntervalMs: 5 })]),
}));

const flushed = (events: TtsEvent[]) => events.filter((e) => e.type === 'flushed').length;

describe('unspokenText', () => {
  const text = 'Hi there. This is Parley calling! Bye.';
  it.each([
    [0, text],
    [5, text],
    [10, 'This is Parley calling! Bye.'],
    [20, 'This is Parley calling! Bye.'],
    [34, 'Bye.'],
    [38, ''],
  ])('after %i characters resumes with %j', (spoken, expected) => {
    expect(unspokenText(text, spoken)).toBe(expected);
  });
});

describe('fallbackTts', () => {
  let cartesia: CartesiaFake;
  let elevenlabs: ElevenLabsFake;
  beforeEach(async () => {
    [cartesia, elevenlabs] = await Promise.all([startCartesiaFake(), startElevenLabsFake()]);
  });
  afterEach(async () => {
    await Promise.all([cartesia.close(), elevenlabs.close()]);
  });

  it('moves from a refused Cartesia to ElevenLabs with the text already pushed', async () => {
    cartesia.behaviour.rejectUpgradeWith = 500;
    const provider = fallbackTts([
      createCartesiaTts({ apiKey: cartesia.apiKey, baseUrl: cartesia.url }),
      createElevenLabsTts({ apiKey: elevenlabs.apiKey, baseUrl: elevenlabs.url }),
    ]);
    expect(provider.id).toBe('fallback(cartesia,elevenlabs)');
    const stream = provider.openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('Hello, ');
    stream.pushText('this is Parley.');
    stream.flush();
    stream.pushText('Not flushed yet');
    const events = await recorder.until((e) => flushed(e) === 1);
    expect(heardIn(events)).toBe('Hello, this is Parley.');
    stream.flush();
    await recorder.until((e) => flushed(e) === 2);
    expect(heardIn(recorder.events)).toBe('Hello, this is Parley.Not flushed yet');
    expect(recorder.events.some((e) => e.type === 'error')).toBe(false);
    await stream.close();
  });

  it('when ElevenLabs drops mid-utterance, Cartesia resumes from the sentence reached', async () => {
    elevenlabs.behaviour.dropAfterChunks = 10;
    elevenlabs.behaviour.chunkIntervalMs = 2;
    const stream = fallbackTts([
      createElevenLabsTts({ apiKey: elevenlabs.apiKey, baseUrl: elevenlabs.url }),
      createCartesiaTts({ apiKey: cartesia.apiKey, baseUrl: cartesia.url }),
    ]).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('Hi Sam. This is Parley calling about Tuesday. Is now a good time?');
    stream.flush();
    const events = await recorder.until((e) => flushed(e) === 1);
    // Ten chunks of 100 ms reach 15 characters at 65 ms each, past "Hi Sam. ": resend from "This is".
    const firstBytes = 10 * 800;
    const audio = Buffer.concat(events.flatMap((e) => (e.type === 'audio' ? [e.payload] : [])));
    expect(decodeScriptedSpeech(audio.subarray(0, firstBytes))).toBe('Hi Sam. This is ');
    expect(decodeScriptedSpeech(audio.subarray(firstBytes))).toBe('This is Parley calling about Tuesday. Is now a good time?');
    expect(cartesia.connections[0]!.received.map((m) => m.transcript)).toEqual([
      'This is Parley calling about Tuesday. Is now a good time?',
      '',
    ]);
  });

  it('resends nothing that was cancelled', async () => {
    const stream = fallbackTts([createScriptedTts({ failure: { category: 'server' } }), createScriptedTts()]).openStream(
      {},
      new AbortController().signal,
    );
    const recorder = recordEvents(stream);
    stream.pushText('This will be interrupted.');
    stream.flush();
    stream.cancel();
    stream.pushText('New.');
    stream.flush();
    const events = await recorder.until((e) => flushed(e) === 1);
    expect(heardIn(events)).toBe('New.');
    await stream.close();
  });

  it('passes a permanent error on instead of falling back', async () => {
    const stream = fallbackTts([createScriptedTts({ failure: { category: 'quota' } }), createScriptedTts()]).openStream(
      {},
      new AbortController().signal,
    );
    const recorder = recordEvents(stream);
    await recorder.done;
    expect(recorder.events).toEqual([{ type: 'error', error: expect.objectContaining({ category: 'quota' }) }]);
  });

  it('passes the last error on when every provider fails', async () => {
    cartesia.behaviour.rejectUpgradeWith = 429;
    elevenlabs.behaviour.rejectUpgradeWith = 503;
    const stream = fallbackTts([
      createCartesiaTts({ apiKey: cartesia.apiKey, baseUrl: cartesia.url }),
      createElevenLabsTts({ apiKey: elevenlabs.apiKey, baseUrl: elevenlabs.url }),
    ]).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('Anyone?');
    stream.flush();
    await recorder.done;
    expect(recorder.events).toEqual([
      { type: 'error', error: expect.objectContaining({ provider: 'elevenlabs', category: 'server', statusCode: 503 }) },
    ]);
  });
});

describe('fallbackTts remembers failing providers across streams', () => {
  let cartesia: CartesiaFake;
  let elevenlabs: ElevenLabsFake;
  beforeEach(async () => {
    [cartesia, elevenlabs] = await Promise.all([startCartesiaFake(), startElevenLabsFake()]);
  });
  afterEach(async () => {
    await Promise.all([cartesia.close(), elevenlabs.close()]);
  });

  it('sends the next utterances straight to ElevenLabs while Cartesia refuses, and tries Cartesia again after the cool-down', async () => {
    cartesia.behaviour.rejectUpgradeWith = 500;
    let nowMs = 0;
    let cartesiaOpens = 0;
    const realCartesia = createCartesiaTts({ apiKey: cartesia.apiKey, baseUrl: cartesia.url });
    const counted = { id: realCartesia.id, openStream: (...args: Parameters<typeof realCartesia.openStream>) => (cartesiaOpens++, realCartesia.openStream(...args)) };
    const provider = fallbackTts([counted, createElevenLabsTts({ apiKey: elevenlabs.apiKey, baseUrl: elevenlabs.url })], {
      health: { cooldownMs: 30_000, now: () => nowMs },
    });
    const say = async (text: string) => {
      const stream = provider.openStream({}, new AbortController().signal);
      const recorder = recordEvents(stream);
      stream.pushText(text);
      stream.flush();
      const events = await recorder.until((e) => flushed(e) === 1);
      await stream.close();
      return heardIn(events);
    };

    expect(await say('First call.')).toBe('First call.');
    expect(await say('Second call.')).toBe('Second call.');
    expect(await say('Third call.')).toBe('Third call.');
    expect(cartesiaOpens).toBe(1);

    cartesia.behaviour.rejectUpgradeWith = undefined;
    nowMs += 30_000;
    expect(await say('Cartesia is back.')).toBe('Cartesia is back.');
    expect(cartesiaOpens).toBe(2);
    expect(await say('And stays first.')).toBe('And stays first.');
    expect(cartesiaOpens).toBe(3);
  });
});
