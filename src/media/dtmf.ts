/**
 * In-band DTMF (ITU-T Q.23): each key is the sum of one low ("row") and one high ("column")
 * sine. Rendered as 8 kHz μ-law, so it travels on any carrier's media stream as ordinary audio
 * and a phone menu at the far end hears it as if keyed on a handset.
 */
import { encodeMulaw } from './mulaw.js';
import { writeDualTone } from './tones.js';

const RATE_HZ = 8000;

/** Row (low group) frequencies in Hz, top to bottom of the keypad. */
export const DTMF_LOW_HZ = [697, 770, 852, 941] as const;
/** Column (high group) frequencies in Hz, left to right. */
export const DTMF_HIGH_HZ = [1209, 1336, 1477, 1633] as const;

/** The keypad, row by row: the key at [r][c] is low[r] + high[c]. */
export const DTMF_KEYPAD = ['123A', '456B', '789C', '*0#D'] as const;

/** Every key DTMF can carry. */
export const DTMF_DIGITS = '0123456789*#ABCD';

/**
 * The most keys (and pauses) one sequence may hold: a phone number and an extension with pauses
 * fit, and the longest sequence plays for at most 32 s (64 pauses) and renders to 256 KB. Without
 * a bound a model's "1" x 100000 rendered ~500 MB in one synchronous call.
 */
export const DTMF_MAX_KEYS = 64;

/** A string of DTMF keys plus `w` (a 500 ms pause), the notation Twilio's sendDigits uses; at most `DTMF_MAX_KEYS`. */
export const DTMF_SEQUENCE_PATTERN = new RegExp(`^[0-9*#A-Dw]{1,${DTMF_MAX_KEYS}}$`);

const PAUSE_MS = 500;

/** The frequency pair of one key, or undefined for anything else. */
export function dtmfPair(digit: string): readonly [number, number] | undefined {
  for (let row = 0; row < 4; row++) {
    const col = DTMF_KEYPAD[row]!.indexOf(digit.toUpperCase());
    if (col >= 0 && digit.length === 1) return [DTMF_LOW_HZ[row]!, DTMF_HIGH_HZ[col]!];
  }
  return undefined;
}

/** How a sequence is rendered. */
export interface DtmfToneOptions {
  /** Length of each tone. Q.24 asks receivers to accept 40 ms; 100 ms gets through any menu. Default 100. */
  readonly toneMs?: number;
  /** Silence after each tone. Default 100. */
  readonly gapMs?: number;
  /** Peak of each of the two sines as a fraction of full scale. Default 0.25 (about -15 dBFS each). */
  readonly amplitude?: number;
}

/** Renders keys (and `w` pauses) to 16-bit linear PCM at 8 kHz. Throws on a character that is not a key. */
export function dtmfPcm(sequence: string, options: DtmfToneOptions = {}): Int16Array {
  const toneSamples = Math.round(((options.toneMs ?? 100) * RATE_HZ) / 1000);
  const gapSamples = Math.round(((options.gapMs ?? 100) * RATE_HZ) / 1000);
  const pauseSamples = (PAUSE_MS * RATE_HZ) / 1000;
  const peak = (options.amplitude ?? 0.25) * 32767;
  let total = 0;
  for (const key of sequence) {
    if (key === 'w') total += pauseSamples;
    else if (dtmfPair(key)) total += toneSamples + gapSamples;
    else throw new RangeError(`not a DTMF key: ${JSON.stringify(key)}`);
  }
  const out = new Int16Array(total);
  let offset = 0;
  const ramp = Math.min(40, Math.floor(toneSamples / 4)); // 5 ms edges: no clicks spraying energy across the band
  for (const key of sequence) {
    if (key === 'w') {
      offset += pauseSamples;
      continue;
    }
    writeDualTone(out, offset, dtmfPair(key)!, toneSamples, peak, ramp);
    offset += toneSamples + gapSamples;
  }
  return out;
}

/** Renders keys (and `w` pauses) to μ-law 8 kHz bytes, ready to be cut into 20 ms frames. */
export function dtmfMulaw(sequence: string, options: DtmfToneOptions = {}): Buffer {
  return encodeMulaw(dtmfPcm(sequence, options));
}

/**
 * The keys of `sequence` (a prefix, pauses included) whose tone had fully played after
 * `playedMs` of its rendering: what a menu at the far end can have heard when playback was cut.
 */
export function dtmfKeysPlayed(sequence: string, playedMs: number, options: DtmfToneOptions = {}): string {
  const toneMs = options.toneMs ?? 100;
  const gapMs = options.gapMs ?? 100;
  let atMs = 0;
  let keys = 0;
  for (const key of sequence) {
    const soundMs = key === 'w' ? PAUSE_MS : toneMs;
    if (atMs + soundMs > playedMs) break;
    atMs += soundMs + (key === 'w' ? 0 : gapMs);
    keys++;
  }
  return sequence.slice(0, keys);
}
