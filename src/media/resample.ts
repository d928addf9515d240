/** Sample-rate conversion of 16-bit PCM to the phone path's 8 kHz (for offline engines such as espeak-ng). */

/**
 * Resamples 16-bit PCM with a Hann-windowed sinc. Downsampling low-passes at 95% of the new
 * Nyquist first, so a 22.05 kHz engine's 5-10 kHz sibilants do not fold back as noise into
 * the 0-4 kHz phone band. Unity gain at DC. About 40 taps per output sample at 22.05 -> 8 kHz.
 */
export function resamplePcm16(input: Int16Array, fromHz: number, toHz: number): Int16Array {
  if (!(fromHz > 0 && toHz > 0)) throw new RangeError('sample rates must be positive');
  if (fromHz === toHz) return input.slice();
  const step = fromHz / toHz;
  const cutoff = Math.min(1, toHz / fromHz) * 0.95;
  const halfWidth = Math.ceil(6 / cutoff);
  const out = new Int16Array(Math.floor(input.length / step));
  for (let i = 0; i < out.length; i++) {
    const center = i * step;
    const first = Math.max(0, Math.ceil(center - halfWidth));
    const last = Math.min(input.length - 1, Math.floor(center + halfWidth));
    let sum = 0;
    let weight = 0;
    for (let k = first; k <= last; k++) {
      const x = k - center;
      const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / halfWidth);
      const phase = Math.PI * cutoff * x;
      const tap = window * (x === 0 ? 1 : Math.sin(phase) / phase);
      sum += input[k]! * tap;
      weight += tap;
    }
    const value = Math.round(weight === 0 ? 0 : sum / weight);
    out[i] = value > 32767 ? 32767 : value < -32768 ? -32768 : value;
  }
  return out;
}
