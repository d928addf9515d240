// Against the real Deepgram: opt-in, runs only when DEEPGRAM_API_KEY is set (shows as skipped otherwise).
import { describe, expect, it } from 'vitest';
import { silenceMulaw, sliceFrames } from '../../../media/signal.js';
import { recordEvents } from '../contract.js';
import { createDeepgramStt } from './index.js';

const apiKey = process.env.DEEPGRAM_API_KEY;

describe('deepgram (live)', () => {
  it.skipIf(!apiKey)('opens a stream, takes audio and a KeepAlive, and closes cleanly', async () => {
    const stream = createDeepgramStt({ apiKey: apiKey!, keepAliveMs: 500 }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    for (const payload of sliceFrames(silenceMulaw(1000))) stream.pushAudio({ kind: 'audio', payload });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    stream.flush();
    await stream.close();
    await recorder.done;
    expect(recorder.events.filter((e) => e.type === 'error')).toEqual([]);
  }, 20_000);
});
