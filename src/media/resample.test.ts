// Windowed-sinc resampler: pass band kept, aliasing band removed.
import { describe, expect, it } from 'vitest';
import { resamplePcm16 } from './resample.js';

function sine(frequencyHz: number, rateHz: number, seconds: number, amplitude = 10_000): Int16Array {
  return Int16Array.from({ length: Math.round(rateHz * seconds) }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / rateHz)));
}

function rms(samples: Int16Array, skip = 100): number {
  let sum = 0;
  for (let i = skip; i < samples.length - skip; i++) sum += samples[i]! ** 2;
  return Math.sqrt(sum / (samples.length - 2 * skip));
}

describe('resamplePcm16', () => {
  it('keeps a 1 kHz tone at 1 kHz and at its level when going from 22.05 kHz to 8 kHz', () => {
    const out = resamplePcm16(sine(1000, 22_050, 0.5), 22_050, 8000);
    expect(out.length).toBe(4000);
    const expected = sine(1000, 8000, 0.5);
    let error = 0;
    for (let i = 100; i < out.length - 100; i++) error += (out[i]! - expected[i]!) ** 2;
    expect(Math.sqrt(error / (out.length - 200))).toBeLessThan(0.03 * rms(expected));
  });

  it('filters out a 6 kHz tone that would alias into the phone band', () => {
    const out = resamplePcm16(sine(6000, 22_050, 0.5), 22_050, 8000);
    expect(20 * Math.log10(rms(out) / rms(sine(6000, 22_050, 0.5)))).toBeLessThan(-30);
  });

  it('upsamples too, and copies when the rates match', () => {
    const input = sine(440, 8000, 0.1);
    expect(resamplePcm16(input, 8000, 16_000).length).toBe(1600);
    const same = resamplePcm16(input, 8000, 8000);
    expect(same).toEqual(input);
    expect(same).not.toBe(input);
    expect(() => resamplePcm16(input, 0, 8000)).toThrow(RangeError);
  });
});
