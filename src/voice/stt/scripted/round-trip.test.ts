// The scripted audio lane end to end: scripted TTS -> 20 ms frames -> scripted STT or Deepgram fake.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDeepgramFake, type DeepgramFake } from '../../../../test/fakes/deepgram/server.js';
import { FrameChunker } from '../../audio/frame-chunker.js';
import { silenceMulaw, sliceFrames } from '../../../media/signal.js';
import { createScriptedTts } from '../../tts/scripted/index.js';
import type { TtsEvent } from '../../tts/types.js';
import { recordEvents } from '../contract.js';
import { createDeepgramStt } from '../deepgram/index.js';
import type { SttEvent, SttProvider } from '../types.js';
import { createScriptedStt } from './index.js';

/** Speaks `text` with the scripted TTS and returns the carrier's 20 ms frames, cut after `keepMs` if given. */
async function phoneFrames(text: string, keepMs?: number): Promise<Buffer[]> {
  const stream = createScriptedTts({ chunkMs: 37 }).openStream({}, new AbortController().signal);
  const recorder = recordEvents<TtsEvent>(stream);
  stream.pushText(text);
  stream.flush();
  const events = await recorder.until((e) => e.some((x) => x.type === 'flushed'));
  await stream.close();
  const chunker = new FrameChunker();
  const frames = events.flatMap((e) => (e.type === 'audio' ? chunker.push(e.payload) : []));
  const last = chunker.flush();
  if (last) frames.push(last);
  return keepMs === undefined ? frames : frames.slice(0, keepMs / 20);
}

async function hear(provider: SttProvider, frames: Buffer[]): Promise<string[]> {
  const stream = provider.openStream({ endpointingMs: 300 }, new AbortController().signal);
  const recorder = recordEvents<SttEvent>(stream);
  for (const payload of [...frames, ...sliceFrames(silenceMulaw(500))]) stream.pushAudio({ kind: 'audio', payload });
  const events = await recorder.until((e) => e.some((x) => x.type === 'transcript' && x.speechFinal));
  await stream.close();
  return events.flatMap((e) => (e.type === 'transcript' && e.isFinal && e.text ? [e.text] : []));
}

describe('scripted audio lane, end to end', () => {
  let fake: DeepgramFake;
  beforeEach(async () => {
    fake = await startDeepgramFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('the scripted STT hears what the scripted TTS said, through 20 ms carrier frames', async () => {
    const frames = await phoneFrames('Hi, this is Parley. Is now a good time?');
    expect(await hear(createScriptedStt(), frames)).toEqual(['Hi, this is Parley. Is now a good time?']);
  });

  it('the Deepgram client hears it too, through the Deepgram fake', async () => {
    const frames = await phoneFrames('Yes, Tuesday at ten works for me.');
    const deepgram = createDeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url });
    expect(await hear(deepgram, frames)).toEqual(['Yes, Tuesday at ten works for me.']);
  });

  it('after a barge-in the listener heard exactly the words that were played', async () => {
    // 1 s of audio at 65 ms a character is the first 15 characters and a bit of the 16th.
    const frames = await phoneFrames('Hello, I am calling about your order.', 1000);
    expect(await hear(createScriptedStt(), frames)).toEqual(['Hello, I am call']);
  });
});
