// Test signals: durations, levels and the syllable rhythm of the speech-like generator.
import { describe, expect, it } from 'vitest';
import { levelDbOf, samplesOf, silenceMulaw, sineMulaw, sliceFrames, speechLikeMulaw } from './signal.js';

describe('test signals', () => {
  it('last as long as asked at 8 kHz', () => {
    expect(samplesOf(20)).toBe(160);
    expect(silenceMulaw(250).length).toBe(2000);
    expect(sineMulaw({ durationMs: 125 }).length).toBe(1000);
    expect(speechLikeMulaw({ durationMs: 1000 }).length).toBe(8000);
  });

  it('have the levels their amplitudes say', () => {
    expect(levelDbOf(silenceMulaw(100))).toBe(-Infinity);
    expect(levelDbOf(new Uint8Array(0))).toBe(-Infinity);
    // A sine's RMS is its peak over √2: 0.3 of full scale is -13.5 dBFS.
    expect(levelDbOf(sineMulaw({ durationMs: 500, amplitude: 0.3 }))).toBeCloseTo(-13.5, 0);
    expect(levelDbOf(sineMulaw({ durationMs: 500, amplitude: 0.03 }))).toBeCloseTo(-33.5, 0);
  });

  it('make speech-like audio of syllables separated by silent gaps', () => {
    const audio = speechLikeMulaw({ durationMs: 480, syllableMs: 200, gapMs: 40 });
    const levels = sliceFrames(audio).map((frame) => levelDbOf(frame));
    expect(levels[5]!).toBeGreaterThan(-25);
    expect(levels[10]).toBe(-Infinity);
    expect(levels[11]).toBe(-Infinity);
    expect(levels[17]!).toBeGreaterThan(-25);
  });

  it('slice audio into frames, the last one short', () => {
    expect(sliceFrames(silenceMulaw(50)).map((frame) => frame.length)).toEqual([160, 160, 80]);
  });
});
