/** Call-progress and keypad tones are pairs of sines; this writes one such pair into 8 kHz PCM. */

const RATE_HZ = 8000;

/**
 * Writes `count` samples of two sines (`hz`, each of peak `peak`) into `out` from `at`, with
 * linear edges of `rampSamples` at each end so the tone starts and stops without a click.
 */
export function writeDualTone(out: Int16Array, at: number, hz: readonly [number, number], count: number, peak: number, rampSamples: number): void {
  const [low, high] = hz;
  for (let i = 0; i < count; i++) {
    const edge = rampSamples > 0 ? Math.min(1, i / rampSamples, (count - 1 - i) / rampSamples) : 1;
    const t = i / RATE_HZ;
    out[at + i] = Math.round(peak * edge * (Math.sin(2 * Math.PI * low * t) + Math.sin(2 * Math.PI * high * t)));
  }
}
