/**
 * Ringback: what a caller hears while the far end rings. The North American tone (ANSI T1.401):
 * 440 Hz plus 480 Hz, two seconds on, four off. Played to a callee while Parley calls a warm
 * transfer's target and briefs them, so the wait sounds like a call being put through rather
 * than a dead line. 8 kHz μ-law, ready to be cut into 20 ms frames.
 */
import { encodeMulaw } from './mulaw.js';

const RATE_HZ = 8000;
const TONES_HZ = [440, 480] as const;
const ON_MS = 2000;
const OFF_MS = 4000;
/** Peak of each sine as a fraction of full scale: about -19 dBm0 each, the standard's level. */
const AMPLITUDE = 0.1;
/** 10 ms edges, so the tone starts and stops without a click. */
const RAMP_SAMPLES = 80;

/** One ringback cycle (2 s of tone, 4 s of silence), 6 s of 8 kHz μ-law. */
export function ringbackMulaw(): Buffer {
  const on = (ON_MS * RATE_HZ) / 1000;
  const pcm = new Int16Array(((ON_MS + OFF_MS) * RATE_HZ) / 1000);
  const peak = AMPLITUDE * 32767;
  for (let i = 0; i < on; i++) {
    const edge = Math.min(1, i / RAMP_SAMPLES, (on - 1 - i) / RAMP_SAMPLES);
    const t = i / RATE_HZ;
    pcm[i] = Math.round(peak * edge * (Math.sin(2 * Math.PI * TONES_HZ[0] * t) + Math.sin(2 * Math.PI * TONES_HZ[1] * t)));
  }
  return encodeMulaw(pcm);
}

/** How long one cycle lasts. */
export const RINGBACK_CYCLE_MS = ON_MS + OFF_MS;
