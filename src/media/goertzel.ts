/**
 * The Goertzel algorithm: the power of one frequency in a block of samples for the price of
 * one multiply-add per sample, and a DTMF decoder built on it (tests decode the tones Parley
 * plays with it; a carrier without out-of-band digits could feed it the callee's audio).
 */
import { DTMF_HIGH_HZ, DTMF_KEYPAD, DTMF_LOW_HZ } from './dtmf.js';

/**
 * Power of `frequencyHz` in `samples[start, start+length)`, normalised so that a full-block sine
 * of amplitude A at that frequency gives about A²/4 · length² / (length²/4) = A² (independent of length).
 */
export function goertzelPower(
  samples: ArrayLike<number>,
  frequencyHz: number,
  sampleRateHz: number,
  start = 0,
  length = samples.length - start,
): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRateHz);
  let previous = 0;
  let beforePrevious = 0;
  for (let i = start; i < start + length; i++) {
    const current = samples[i]! + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  return (4 * power) / (length * length);
}

/** Mean square of a block (a sine of amplitude A gives A²/2). */
export function meanSquare(samples: ArrayLike<number>, start = 0, length = samples.length - start): number {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += samples[i]! * samples[i]!;
  return length === 0 ? 0 : sum / length;
}

/** A digit found in audio, with where it began. */
export interface DecodedDigit {
  readonly digit: string;
  readonly atMs: number;
}

/** Settings of the decoder; defaults follow common receiver practice for 8 kHz lines. */
export interface DtmfDecoderOptions {
  readonly sampleRateHz?: number;
  /** Block length; 205 samples at 8 kHz (25.6 ms) resolves the 70 Hz row spacing. */
  readonly blockSamples?: number;
  /** Quietest tone component accepted, as RMS in linear units. Default 300 (about -40 dBFS). */
  readonly minLevel?: number;
  /** Share of the block's energy the two tones must carry. Default 0.6. */
  readonly minPurity?: number;
  /** Largest allowed ratio between the two components' powers (twist), in dB. Default 8. */
  readonly maxTwistDb?: number;
}

/**
 * Decodes DTMF from 16-bit PCM pushed in any slice sizes. A key is reported once when two
 * consecutive blocks agree on it, and again only after a block without it (so a held key is one
 * digit and "1 pause 1" is two).
 */
export class DtmfDecoder {
  private readonly rate: number;
  private readonly block: Float64Array;
  private filled = 0;
  private consumed = 0;
  private candidate: string | null = null;
  private candidateAt = 0;
  private reported: string | null = null;
  readonly digits: DecodedDigit[] = [];

  constructor(private readonly options: DtmfDecoderOptions = {}) {
    this.rate = options.sampleRateHz ?? 8000;
    this.block = new Float64Array(options.blockSamples ?? 205);
  }

  /** Feeds samples; returns the digits this slice completed. */
  push(samples: ArrayLike<number>): DecodedDigit[] {
    const found: DecodedDigit[] = [];
    for (let i = 0; i < samples.length; i++) {
      this.block[this.filled++] = samples[i]!;
      if (this.filled < this.block.length) continue;
      const key = this.classify();
      const blockStartMs = (this.consumed / this.rate) * 1000;
      this.consumed += this.filled;
      this.filled = 0;
      if (key === null) {
        this.candidate = null;
        this.reported = null;
        continue;
      }
      if (key !== this.candidate) {
        this.candidate = key;
        this.candidateAt = blockStartMs;
        continue;
      }
      if (this.reported === key) continue;
      this.reported = key;
      const digit = { digit: key, atMs: Math.round(this.candidateAt) };
      this.digits.push(digit);
      found.push(digit);
    }
    return found;
  }

  private classify(): string | null {
    const n = this.block.length;
    const energy = meanSquare(this.block, 0, n);
    const minLevel = this.options.minLevel ?? 300;
    if (energy < minLevel * minLevel) return null;
    const best = (group: readonly number[]): [number, number, number] => {
      let index = -1;
      let power = 0;
      let second = 0;
      for (let k = 0; k < group.length; k++) {
        const p = goertzelPower(this.block, group[k]!, this.rate, 0, n);
        if (p > power) {
          second = power;
          power = p;
          index = k;
        } else if (p > second) second = p;
      }
      return [index, power, second];
    };
    const [row, rowPower, rowSecond] = best(DTMF_LOW_HZ);
    const [col, colPower, colSecond] = best(DTMF_HIGH_HZ);
    if (row < 0 || col < 0) return null;
    // Each component's amplitude² is its power; a sine's mean square is half of that.
    const toneEnergy = (rowPower + colPower) / 2;
    if (toneEnergy < (this.options.minPurity ?? 0.6) * energy) return null;
    if (rowSecond * 6.3 > rowPower || colSecond * 6.3 > colPower) return null; // the runner-up 8 dB down
    const twistDb = Math.abs(10 * Math.log10(rowPower / colPower));
    if (twistDb > (this.options.maxTwistDb ?? 8)) return null;
    return DTMF_KEYPAD[row]![col]!;
  }
}
