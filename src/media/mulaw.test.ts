// μ-law table codec: silence, full scale, round trips, clamping.
import { describe, expect, it } from 'vitest';
import { MULAW_SILENCE, MULAW_TO_LINEAR, decodeMulaw, encodeMulaw, encodeMulawSample } from './mulaw.js';

describe('mulaw', () => {
  it('decodes silence 0xFF to zero and the loudest codes to about full scale', () => {
    expect(MULAW_TO_LINEAR[MULAW_SILENCE]).toBe(0);
    expect(MULAW_TO_LINEAR[0x80]).toBe(32124);
    expect(MULAW_TO_LINEAR[0x00]).toBe(-32124);
  });

  it('round-trips every code except the duplicate zero 0x7F', () => {
    for (let code = 0; code < 256; code++) {
      const back = encodeMulawSample(MULAW_TO_LINEAR[code]!);
      expect(back).toBe(code === 0x7f ? 0xff : code);
    }
  });

  it('encodes linear samples to bytes that decode within the μ-law step size', () => {
    const samples = Int16Array.from([0, 100, -100, 1000, -1000, 12000, -30000]);
    const encoded = encodeMulaw(samples);
    expect(Buffer.isBuffer(encoded)).toBe(true);
    expect(encoded.length).toBe(samples.length);
    const decoded = decodeMulaw(encoded);
    samples.forEach((sample, i) => {
      expect(Math.abs(decoded[i]! - sample)).toBeLessThanOrEqual(Math.max(8, Math.abs(sample) * 0.07));
    });
  });

  it('decodes into a caller-supplied buffer without allocating', () => {
    const out = new Int16Array(4);
    const result = decodeMulaw(Buffer.from([0xff, 0x80, 0x00, 0xff]), out);
    expect(result).toBe(out);
    expect([...out]).toEqual([0, 32124, -32124, 0]);
  });

  it('clamps out-of-range samples instead of wrapping', () => {
    expect(encodeMulawSample(1e6)).toBe(encodeMulawSample(32767));
    expect(encodeMulawSample(-1e6)).toBe(encodeMulawSample(-32768));
  });
});
