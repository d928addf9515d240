import { describe, expect, it } from 'vitest';
import { decodeMulaw } from './mulaw.js';
import { DTMF_DIGITS, dtmfKeysPlayed, dtmfMulaw, dtmfPair, dtmfPcm } from './dtmf.js';
import { DtmfDecoder, goertzelPower } from './goertzel.js';

function decode(audio: Buffer): string {
  const decoder = new DtmfDecoder();
  // 20 ms frames, as a carrier delivers them.
  for (let offset = 0; offset < audio.length; offset += 160) decoder.push(decodeMulaw(audio.subarray(offset, offset + 160)));
  return decoder.digits.map((d) => d.digit).join('');
}

describe('DTMF tones', () => {
  it('uses the standard frequency pairs', () => {
    expect(dtmfPair('1')).toEqual([697, 1209]);
    expect(dtmfPair('5')).toEqual([770, 1336]);
    expect(dtmfPair('0')).toEqual([941, 1336]);
    expect(dtmfPair('#')).toEqual([941, 1477]);
    expect(dtmfPair('D')).toEqual([941, 1633]);
    expect(dtmfPair('x')).toBeUndefined();
  });

  it('renders 8 kHz μ-law a Goertzel detector decodes key for key', () => {
    const audio = dtmfMulaw(DTMF_DIGITS);
    expect(audio.length).toBe(DTMF_DIGITS.length * 1600); // 100 ms tone + 100 ms gap at 8 kHz
    expect(decode(audio)).toBe(DTMF_DIGITS);
  });

  it('keeps repeated keys apart and honours w pauses', () => {
    const audio = dtmfMulaw('11w2', { toneMs: 60, gapMs: 60 });
    expect(audio.length).toBe(3 * 960 + 4000);
    expect(decode(audio)).toBe('112');
  });

  it('puts the energy in the two named frequencies only', () => {
    const pcm = dtmfPcm('9', { gapMs: 0 });
    const at = (hz: number) => goertzelPower(pcm, hz, 8000, 100, 600);
    expect(at(852)).toBeGreaterThan(100 * at(770));
    expect(at(1477)).toBeGreaterThan(100 * at(1336));
  });

  it('does not hear digits in speech-band noise or a single tone', () => {
    const decoder = new DtmfDecoder();
    let seed = 7;
    const noise = Int16Array.from({ length: 8000 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed / 0x7fffffff - 0.5) * 16000;
    });
    decoder.push(noise);
    decoder.push(Int16Array.from({ length: 8000 }, (_, i) => 8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    expect(decoder.digits).toEqual([]);
  });

  it('names the keys whose tone had fully played when playback stopped', () => {
    // 100 ms tone + 100 ms gap a key, 500 ms a pause.
    expect(dtmfKeysPlayed('12#', 0)).toBe('');
    expect(dtmfKeysPlayed('12#', 99)).toBe('');
    expect(dtmfKeysPlayed('12#', 100)).toBe('1');
    expect(dtmfKeysPlayed('12#', 350)).toBe('12');
    expect(dtmfKeysPlayed('12#', 600)).toBe('12#');
    expect(dtmfKeysPlayed('1w2', 650)).toBe('1');
    expect(dtmfKeysPlayed('1w2', 700)).toBe('1w');
    expect(dtmfKeysPlayed('1w2', 800)).toBe('1w2');
  });

  it('refuses characters that are not keys', () => {
    expect(() => dtmfPcm('12x')).toThrow(RangeError);
  });
});
