// Against the real Cartesia: opt-in, runs only when CARTESIA_API_KEY is set (shows as skipped otherwise).
import { describe, expect, it } from 'vitest';
import { recordEvents } from '../../stt/contract.js';
import { createCartesiaTts } from './index.js';

const apiKey = process.env.CARTESIA_API_KEY;

describe('cartesia (live)', () => {
  it.skipIf(!apiKey)('speaks a sentence as μ-law audio and reports flushed', async () => {
    const voiceId = process.env.CARTESIA_VOICE_ID;
    const stream = createCartesiaTts({ apiKey: apiKey!, ...(voiceId ? { voiceId } : {}) }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('Hello from Parley.');
    stream.flush();
    const events = await recorder.until((e) => e.some((x) => x.type === 'flushed' || x.type === 'error'), 15_000);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    const bytes = events.reduce((sum, e) => sum + (e.type === 'audio' ? e.payload.length : 0), 0);
    expect(bytes).toBeGreaterThan(4000);
    await stream.close();
  }, 20_000);
});
