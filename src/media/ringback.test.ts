// Ringback as a callee hears it while a warm transfer's target rings: 440 + 480 Hz, 2 s on, 4 s off.
import { describe, expect, it } from 'vitest';
import { goertzelPower, meanSquare } from './goertzel.js';
import { decodeMulaw } from './mulaw.js';
import { RINGBACK_CYCLE_MS, ringbackMulaw } from './ringback.js';

describe('ringbackMulaw', () => {
  it('renders one cycle: two seconds of 440 + 480 Hz, then four of silence', () => {
    const pcm = decodeMulaw(ringbackMulaw());
    expect(pcm.length).toBe(RINGBACK_CYCLE_MS * 8);
    const tone = { start: 800, length: 14_400 };
    const powers = [350, 440, 480, 620, 1000].map((hz) => goertzelPower(pcm, hz, 8000, tone.start, tone.length));
    const [below, low, high, above, far] = powers as [number, number, number, number, number];
    // Each sine about -19 dBm0: peak 0.1 of full scale, so power (peak²) near 3277² each.
    for (const power of [low, high]) {
      expect(power).toBeGreaterThan(0.8 * 3277 ** 2);
      expect(power).toBeLessThan(1.2 * 3277 ** 2);
    }
    for (const stray of [below, above, far]) expect(stray).toBeLessThan(low / 1000);
    expect(meanSquare(pcm, 16_000, 32_000)).toBeLessThan(1);
  });

  it('starts and stops without a click: the first and last samples of the tone are near zero', () => {
    const pcm = decodeMulaw(ringbackMulaw());
    expect(Math.abs(pcm[0]!)).toBeLessThan(50);
    expect(Math.abs(pcm[15_999]!)).toBeLessThan(50);
    expect(Math.max(...pcm.subarray(7_000, 9_000).map(Math.abs))).toBeGreaterThan(5_000);
  });
});
