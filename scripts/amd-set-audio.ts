/**
 * The sound pieces of the labelled answering-machine set, all at the phone line's 8 kHz:
 * espeak-ng speech with where each word ends, silences, beeps, and line noise of two kinds
 * (the tuning part's white hiss with 60 Hz hum, the held-out part's pink hiss with 50 Hz hum
 * and crackle), so the held-out part is also heard through a line the detector was not tuned on.
 */
import { execFileSync } from 'node:child_process';
import { resamplePcm16 } from '../src/media/resample.js';
import { parseWav } from '../src/media/wav.js';

export const RATE_HZ = 8000;

/** A small deterministic generator (mulberry32). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A word and when its audio ends, in ms from the start of the piece. */
export interface TimedWord {
  readonly word: string;
  readonly endMs: number;
}

/** Speech and where its words end. */
export interface Spoken {
  readonly audio: Int16Array;
  readonly words: TimedWord[];
  /** First and last voiced ms. */
  readonly speechMs: readonly [number, number];
}

/**
 * Speaks `text` with espeak-ng. Word ends come from the audio: the voiced runs of the clean
 * render are matched to the text's punctuated chunks (espeak-ng pauses at each comma and full
 * stop), and words share their chunk's run by length; when the runs and chunks do not pair up,
 * words share the whole voiced span by length. Good to about a word.
 */
export function speak(text: string, voice: string, wordsPerMinute: number, pitch: number): Spoken {
  const wav = execFileSync('espeak-ng', ['--stdout', '-v', voice, '-s', String(wordsPerMinute), '-p', String(pitch), text], { maxBuffer: 64 << 20 });
  const { samples, sampleRateHz } = parseWav(wav);
  const audio = resamplePcm16(samples, sampleRateHz, RATE_HZ);
  const runs = voicedRuns(audio);
  const span: [number, number] = runs.length ? [runs[0]![0], runs[runs.length - 1]![1]] : [0, 0];
  const chunks = text.split(/(?<=[,.?!])\s+/).map((chunk) => chunk.split(/\s+/).filter(Boolean));
  // Merge runs split by gaps inside a chunk until there are as many runs as chunks.
  const merged = [...runs];
  while (merged.length > chunks.length) {
    let shortest = 0;
    for (let i = 1; i < merged.length - 1; i++) if (merged[i + 1]![0] - merged[i]![1] < merged[shortest + 1]![0] - merged[shortest]![1]) shortest = i;
    merged.splice(shortest, 2, [merged[shortest]![0], merged[shortest + 1]![1]]);
  }
  const words: TimedWord[] = [];
  if (merged.length === chunks.length) {
    chunks.forEach((chunk, i) => words.push(...spread(chunk, merged[i]!)));
  } else {
    words.push(...spread(chunks.flat(), span));
  }
  return { audio, words, speechMs: span };
}

function spread(words: readonly string[], [startMs, endMs]: readonly [number, number]): TimedWord[] {
  const total = words.reduce((n, w) => n + w.length + 1, 0);
  let done = 0;
  return words.map((word) => {
    done += word.length + 1;
    return { word, endMs: Math.round(startMs + ((endMs - startMs) * done) / total) };
  });
}

/** Voiced runs (ms) of clean speech: 10 ms frames above -50 dBFS, gaps of 100 ms or more split. */
function voicedRuns(audio: Int16Array): [number, number][] {
  const runs: [number, number][] = [];
  const frame = RATE_HZ / 100;
  for (let start = 0; start + frame <= audio.length; start += frame) {
    let sum = 0;
    for (let i = start; i < start + frame; i++) sum += audio[i]! * audio[i]!;
    if (10 * Math.log10(sum / frame / 32768 ** 2 + 1e-12) < -50) continue;
    const ms = start / 8;
    const last = runs[runs.length - 1];
    if (last && ms - last[1] < 100) last[1] = ms + 10;
    else runs.push([ms, ms + 10]);
  }
  return runs;
}

export const silence = (ms: number): Int16Array => new Int16Array(Math.round(ms * 8));

/** A beep with 5 ms ramps. */
export function tone(ms: number, hz: number, amplitude: number): Int16Array {
  const out = new Int16Array(Math.round(ms * 8));
  const ramp = 40;
  for (let i = 0; i < out.length; i++) {
    const edge = Math.min(1, i / ramp, (out.length - 1 - i) / ramp);
    out[i] = Math.round(amplitude * 32767 * edge * Math.sin((2 * Math.PI * hz * i) / RATE_HZ));
  }
  return out;
}

/** Scales speech to a peak (0..1). */
export function scaled(samples: Int16Array, peak: number): Int16Array {
  let max = 1;
  for (const s of samples) max = Math.max(max, Math.abs(s));
  const gain = (peak * 32767) / max;
  return Int16Array.from(samples, (s) => Math.round(s * gain));
}

export function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The two lines: the tuning part's and the held-out part's. */
export type LineKind = 'white-60hz' | 'pink-50hz-crackle';

/** Adds line noise at `levelDb` dBFS RMS (no noise when null). */
export function addLineNoise(samples: Int16Array, kind: LineKind, levelDb: number | null, next: () => number): Int16Array {
  if (levelDb === null) return samples.slice();
  const rms = 32767 * 10 ** (levelDb / 20);
  const out = new Int16Array(samples.length);
  // Pink noise by Paul Kellet's economy filter over white noise; its RMS is near 0.16 of the input's.
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let crackle = 0;
  const humHz = kind === 'white-60hz' ? 60 : 50;
  for (let i = 0; i < samples.length; i++) {
    const white = 2 * next() - 1;
    let hiss: number;
    if (kind === 'white-60hz') hiss = white * Math.sqrt(3) * rms;
    else {
      b0 = 0.99765 * b0 + white * 0.099046;
      b1 = 0.963 * b1 + white * 0.2965164;
      b2 = 0.57 * b2 + white * 1.0526913;
      hiss = ((b0 + b1 + b2 + white * 0.1848) / 1.8) * rms * Math.sqrt(3);
      // A crackle burst about twice a second: 5 ms of noise 12 dB over the hiss.
      if (crackle === 0 && next() < 2 / RATE_HZ) crackle = 40;
      if (crackle > 0) {
        hiss += 4 * rms * (2 * next() - 1);
        crackle--;
      }
    }
    const hum = rms * 0.5 * Math.sin((2 * Math.PI * humHz * i) / RATE_HZ);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! + hiss + hum)));
  }
  return out;
}
