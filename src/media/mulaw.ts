/** μ-law 8 kHz codec helpers: the phone path's only sample format, with a precomputed decode table. */
import * as alawmulaw from 'alawmulaw';

// The package ships UMD: native ESM sees its exports under `default`, CommonJS loaders as
// named exports. Taking whichever is there keeps tsx, vitest and node alike working.
type Codec = typeof alawmulaw.mulaw;
const loaded: { mulaw?: Codec; default?: { mulaw: Codec } } = alawmulaw;
const mulaw: Codec = loaded.mulaw ?? loaded.default!.mulaw;

/** The μ-law code of digital silence (linear 0): what padding and quiet lines carry. */
export const MULAW_SILENCE = 0xff;

/**
 * μ-law code -> 16-bit linear sample, computed once. Decoding through a 256-entry table is a
 * single array read per sample, which is what lets the VAD run on hundreds of calls at once.
 */
export const MULAW_TO_LINEAR: Int16Array = (() => {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = mulaw.decodeSample(code);
  return table;
})();

/** Decodes μ-law bytes to 16-bit linear samples; pass `out` to reuse a buffer. */
export function decodeMulaw(payload: Uint8Array, out: Int16Array = new Int16Array(payload.length)): Int16Array {
  const count = Math.min(payload.length, out.length);
  for (let i = 0; i < count; i++) out[i] = MULAW_TO_LINEAR[payload[i]!]!;
  return out;
}

/** Encodes 16-bit linear samples as μ-law bytes. */
export function encodeMulaw(samples: Int16Array): Buffer {
  const codes = mulaw.encode(samples);
  return Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength);
}

/** Encodes one 16-bit linear sample (clamped) as a μ-law byte. */
export function encodeMulawSample(sample: number): number {
  const clamped = sample > 32767 ? 32767 : sample < -32768 ? -32768 : Math.round(sample);
  return mulaw.encodeSample(clamped) & 0xff;
}
