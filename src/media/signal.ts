/** Deterministic test signals as μ-law 8 kHz: silence, tones and speech-like syllable bursts. */
import { SAMPLE_RATE_HZ } from './frames.js';
import { MULAW_SILENCE, MULAW_TO_LINEAR, encodeMulawSample } from './mulaw.js';

const SAMPLES_PER_MS = SAMPLE_RATE_HZ / 1000;

/** Number of samples in `durationMs` at 8 kHz, rounded down to whole samples. */
export function samplesOf(durationMs: number): number {
  return Math.max(0, Math.floor(durationMs * SAMPLES_PER_MS));
}

/** `durationMs` of μ-law digital silence (0xFF). */
export function silenceMulaw(durationMs: number): Buffer {
  return Buffer.alloc(samplesOf(durationMs), MULAW_SILENCE);
}

/** A sine tone; `amplitude` is a fraction of full scale (0.3 is about -13 dBFS RMS). */
export function sineMulaw(options: { durationMs: number; frequencyHz?: number; amplitude?: number }): Buffer {
  const frequencyHz = options.frequencyHz ?? 440;
  const amplitude = (options.amplitude ?? 0.3) * 32767;
  const count = samplesOf(options.durationMs);
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    out[i] = encodeMulawSample(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / SAMPLE_RATE_HZ));
  }
  return out;
}

/**
 * Speech-like audio: voiced "syllables" (a 140 Hz fundamental plus a 700 Hz formant-ish
 * partial) under a raised-cosine envelope, separated by short gaps, the rhythm a VAD meets
 * in real speech (syllables ~200 ms, gaps shorter than an endpointing pause).
 */
export function speechLikeMulaw(options: {
  durationMs: number;
  syllableMs?: number;
  gapMs?: number;
  amplitude?: number;
}): Buffer {
  const syllable = samplesOf(options.syllableMs ?? 200);
  const gap = samplesOf(options.gapMs ?? 40);
  const amplitude = (options.amplitude ?? 0.3) * 32767;
  const count = samplesOf(options.durationMs);
  const out = Buffer.alloc(count, MULAW_SILENCE);
  const period = syllable + gap;
  for (let i = 0; i < count; i++) {
    const position = i % period;
    if (position >= syllable) continue;
    const envelope = 0.5 - 0.5 * Math.cos((2 * Math.PI * position) / syllable);
    const t = i / SAMPLE_RATE_HZ;
    const value = 0.7 * Math.sin(2 * Math.PI * 140 * t) + 0.3 * Math.sin(2 * Math.PI * 700 * t);
    out[i] = encodeMulawSample(amplitude * envelope * value);
  }
  return out;
}

/** RMS level of μ-law audio in dBFS (-Infinity for digital silence). */
export function levelDbOf(audio: Uint8Array): number {
  if (audio.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < audio.length; i++) {
    const sample = MULAW_TO_LINEAR[audio[i]!]!;
    sum += sample * sample;
  }
  return sum === 0 ? -Infinity : 10 * Math.log10(sum / audio.length / (32768 * 32768));
}

/** Splits audio into consecutive slices of `frameBytes` (the last may be short). */
export function sliceFrames(audio: Uint8Array, frameBytes = 160): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < audio.length; offset += frameBytes) {
    frames.push(Buffer.from(audio.subarray(offset, offset + frameBytes)));
  }
  return frames;
}
