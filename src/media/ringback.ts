/**
 * Ringback: what a caller hears while the far end rings. The North American tone (ANSI T1.401):
 * 440 Hz plus 480 Hz, two seconds on, four off. Played to a callee while Parley calls a warm
 * transfer's target and briefs them, so the wait sounds like a call being put through rather
 * than a dead line. 8 kHz μ-law, ready to be cut into 20 ms frames.
 */
import { encodeMulaw } from './mulaw.js';
import { writeDualTone } from './tones.js';

const RATE_HZ = 8000;
const ON_MS = 2000;
const OFF_MS = 4000;
/** Peak of each sine as a fraction of full scale: about -19 dBm0 each, the standard's level. */
const AMPLITUDE = 0.1;
/** 10 ms edges, so the tone starts and stops without a click. */
const RAMP_SAMPLES = 80;

let cycle: Buffer | undefined;

/** One ringback cycle (2 s of tone, 4 s of silence), 6 s of 8 kHz μ-law; rendered once, shared (callers only read it). */
export function ringbackMulaw(): Buffer {
  if (cycle) return cycle;
  const pcm = new Int16Array(((ON_MS + OFF_MS) * RATE_HZ) / 1000);
  writeDualTone(pcm, 0, [440, 480], (ON_MS * RATE_HZ) / 1000, AMPLITUDE * 32767, RAMP_SAMPLES);
  cycle = encodeMulaw(pcm);
  return cycle;
}

/** How long one cycle lasts. */
export const RINGBACK_CYCLE_MS = ON_MS + OFF_MS;
