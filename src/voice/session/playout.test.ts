import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Frame } from '../../media/frames.js';
import type { AudioLine } from '../../media/audio-line.js';
import { heardPrefix } from './agent-turn.js';
import { realClock } from './clock.js';
import { FramePacer } from './pacer.js';
import { Playout } from './playout.js';

function recordingLine(): AudioLine & { sent: Frame[] } {
  const sent: Frame[] = [];
  return { mode: 'audio', frames: (async function* () {})(), send: (frame) => void sent.push(frame), hangUp: () => undefined, sent };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('Playout', () => {
  it('sends lead and batch at once, refills by a batch when the carrier is down to the lead, marks each segment', async () => {
    const clock = realClock();
    const line = recordingLine();
    const lateness: number[] = [];
    const playout = new Playout({ clock, pacer: new FramePacer(clock), leadMs: 100, batchMs: 100, onFrame: (ms) => lateness.push(ms) });
    playout.attach(line);
    const segment = playout.open('Hello there. ');
    playout.audio(Buffer.alloc(8000, 0x55)); // one second, all at once as fast TTS delivers it
    playout.complete();
    const audio = () => line.sent.flatMap((f) => (f.kind === 'audio' ? [f.payload] : []));
    const sentMs = () => audio().reduce((sum, payload) => sum + payload.length, 0) / 8;
    // The first 200 ms go out immediately, in one message: first audio is not held back.
    expect(audio()).toHaveLength(1);
    expect(sentMs()).toBe(200);
    await vi.advanceTimersByTimeAsync(500);
    // Refills of 100 ms keep 100 to 200 ms buffered ahead of real time.
    expect(sentMs()).toBeGreaterThanOrEqual(600);
    expect(sentMs()).toBeLessThanOrEqual(700);
    expect(audio().length).toBeLessThanOrEqual(6);
    expect(audio().every((payload) => payload.length % 160 === 0)).toBe(true);
    await vi.advanceTimersByTimeAsync(600);
    expect(sentMs()).toBe(1000);
    expect(Buffer.concat(audio())).toEqual(Buffer.alloc(8000, 0x55));
    expect(line.sent.at(-1)).toEqual({ kind: 'mark', name: segment.id });
    expect(Math.max(...lateness)).toBeLessThan(10);
    // Heard so far follows real time until the mark says all of it was.
    expect(playout.heardMs(segment)).toBeGreaterThan(900);
    playout.onMark(segment.id);
    expect(segment.state).toBe('played');
    expect(playout.heardMs(segment)).toBe(1000);
  });

  it('on clear drops what is unplayed, here and at the carrier, and knows how much was heard', async () => {
    const clock = realClock();
    const line = recordingLine();
    const playout = new Playout({ clock, pacer: new FramePacer(clock), leadMs: 100 });
    playout.attach(line);
    const segment = playout.open('A long sentence. ');
    playout.audio(Buffer.alloc(16_000, 0x55));
    playout.complete();
    await vi.advanceTimersByTimeAsync(700);
    const heard = playout.heardMs(segment);
    expect(heard).toBeGreaterThanOrEqual(680);
    expect(heard).toBeLessThanOrEqual(720);
    playout.clear();
    expect(line.sent.at(-1)).toEqual({ kind: 'interruption' });
    expect(await segment.done).toBe('cleared');
    const sent = line.sent.length;
    await vi.advanceTimersByTimeAsync(500);
    expect(line.sent.length).toBe(sent);
    expect(playout.busy()).toBe(false);
  });
});

describe('Playout: whole segments and the line ending', () => {
  const audioOf = (line: { sent: Frame[] }) => Buffer.concat(line.sent.flatMap((f) => (f.kind === 'audio' ? [f.payload] : [])));

  it('plays a whole segment (tones) in its place: after the sentence opened before it, before the one opened after', async () => {
    const clock = realClock();
    const line = recordingLine();
    const playout = new Playout({ clock, pacer: new FramePacer(clock), leadMs: 100 });
    playout.attach(line);
    const before = playout.open('Pressing one. ');
    const tones = playout.openWhole('[dtmf 1]', Buffer.alloc(1600, 0x11));
    const after = playout.open('Done. ');
    // The TTS delivers the sentences after the tones were queued: each still goes to its own segment.
    playout.audio(Buffer.alloc(800, 0x22));
    playout.complete();
    playout.audio(Buffer.alloc(480, 0x33));
    playout.complete();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(audioOf(line)).toEqual(Buffer.concat([Buffer.alloc(800, 0x22), Buffer.alloc(1600, 0x11), Buffer.alloc(480, 0x33)]));
    expect([before.audioMs, tones.audioMs, after.audioMs]).toEqual([100, 200, 60]);
    expect(line.sent.filter((f) => f.kind === 'mark').map((f) => f.kind === 'mark' && f.name)).toEqual([before.id, tones.id, after.id]);
  });

  it('settles every open segment, with what was heard of it, when the line ends (nobody waits on it for good)', async () => {
    const clock = realClock();
    const line = recordingLine();
    const playout = new Playout({ clock, pacer: new FramePacer(clock), leadMs: 100 });
    playout.attach(line);
    const playing = playout.open('[dtmf 111]');
    playout.audio(Buffer.alloc(8000, 0x11));
    playout.complete();
    const waiting = playout.open('Never synthesised. ');
    await vi.advanceTimersByTimeAsync(400);
    playout.detach();
    expect([playing.state, waiting.state]).toEqual(['cleared', 'cleared']);
    expect(await playing.done).toBe('cleared');
    expect(await waiting.done).toBe('cleared');
    expect(playing.playedMs).toBeGreaterThanOrEqual(380);
    expect(playing.playedMs).toBeLessThanOrEqual(420);
    expect(waiting.playedMs).toBe(0);
    expect(playout.busy()).toBe(false);
  });
});

describe('heardPrefix', () => {
  it('keeps the words whose last letter was heard', () => {
    const text = 'Hello there, friend. ';
    expect(heardPrefix(text, 0, 1365, true)).toBe('');
    expect(heardPrefix(text, 650, 1365, true)).toBe('Hello');
    expect(heardPrefix(text, 780, 1365, true)).toBe('Hello there,');
    expect(heardPrefix(text, 1365, 1365, true)).toBe('Hello there, friend.');
    // Audio still arriving: the pace is assumed (65 ms a character).
    expect(heardPrefix(text, 400, 500, false)).toBe('Hello');
  });
});
