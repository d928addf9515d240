/** Energy VAD over 20 ms μ-law frames: cheap enough for hundreds of calls on two cores. */
import { SAMPLE_RATE_HZ } from '../../media/frames.js';
import { MULAW_TO_LINEAR } from '../../media/mulaw.js';

/** Settings of the energy VAD; the defaults suit 8 kHz phone audio. */
export interface VadOptions {
  /** RMS level (dBFS) a frame must reach to count as speech. Default -40 (line noise sits near -60). */
  readonly thresholdDb?: number;
  /** The same threshold as a linear RMS amplitude (0..32767); wins over `thresholdDb` when given. */
  readonly threshold?: number;
  /** Once speaking, frames stay "speech" down to threshold minus this many dB. Default 6. */
  readonly hysteresisDb?: number;
  /** Consecutive speech needed before speech starts; shorter clicks are ignored. Default 60. */
  readonly minSpeechMs?: number;
  /** Consecutive silence needed before speech ends. Default 300. */
  readonly minSilenceMs?: number;
}

/** What a frame changed: the start or end of speech, or nothing. */
export type VadTransition = 'speech_start' | 'speech_end' | null;

/** A stateful detector for one audio direction of one call. */
export interface Vad {
  /** Consumes one frame (any length, usually 160 bytes) and reports a transition, if any. */
  process(frame: Uint8Array): VadTransition;
  /** True between speech_start and speech_end. */
  readonly speaking: boolean;
  /** Audio time (ms since creation or reset) at which the current or last speech began. */
  readonly speechStartMs: number;
  /** Audio time at which the last speech ended (the first silent frame of the closing run). */
  readonly speechEndMs: number;
  /** Audio time consumed so far. */
  readonly elapsedMs: number;
  /** RMS level of the last frame in dBFS (-Infinity for digital silence); for tuning, not hot paths. */
  readonly lastLevelDb: number;
  reset(): void;
}

const FULL_SCALE = 32768;
const SAMPLES_PER_MS = SAMPLE_RATE_HZ / 1000;

/** Converts a dBFS level to the mean-square energy it stands for. */
function energyOfDb(db: number): number {
  const amplitude = FULL_SCALE * 10 ** (db / 20);
  return amplitude * amplitude;
}

/**
 * Creates an energy VAD. Per frame it does one table read, one multiply-add per sample and
 * two comparisons (no log, no allocation); hysteresis comes from a lower release threshold
 * and from the minimum speech and silence durations.
 */
export function createVad(options: VadOptions = {}): Vad {
  const hysteresisDb = options.hysteresisDb ?? 6;
  const thresholdDb =
    options.threshold !== undefined
      ? 20 * Math.log10(Math.max(options.threshold, 1e-9) / FULL_SCALE)
      : (options.thresholdDb ?? -40);
  const startEnergy = energyOfDb(thresholdDb);
  const holdEnergy = energyOfDb(thresholdDb - hysteresisDb);
  const minSpeechSamples = (options.minSpeechMs ?? 60) * SAMPLES_PER_MS;
  const minSilenceSamples = (options.minSilenceMs ?? 300) * SAMPLES_PER_MS;
  const table = MULAW_TO_LINEAR;

  let elapsedSamples = 0;
  let speaking = false;
  let runSamples = 0;
  let runStartSamples = 0;
  let speechStartSamples = 0;
  let speechEndSamples = 0;
  let lastEnergy = 0;

  return {
    process(frame: Uint8Array): VadTransition {
      const length = frame.length;
      if (length === 0) return null;
      let sum = 0;
      for (let i = 0; i < length; i++) {
        const sample = table[frame[i]!]!;
        sum += sample * sample;
      }
      const energy = sum / length;
      lastEnergy = energy;
      const frameStart = elapsedSamples;
      elapsedSamples += length;
      if (!speaking) {
        if (energy < startEnergy) {
          runSamples = 0;
          return null;
        }
        if (runSamples === 0) runStartSamples = frameStart;
        runSamples += length;
        if (runSamples < minSpeechSamples) return null;
        speaking = true;
        speechStartSamples = runStartSamples;
        runSamples = 0;
        return 'speech_start';
      }
      if (energy >= holdEnergy) {
        runSamples = 0;
        return null;
      }
      if (runSamples === 0) runStartSamples = frameStart;
      runSamples += length;
      if (runSamples < minSilenceSamples) return null;
      speaking = false;
      speechEndSamples = runStartSamples;
      runSamples = 0;
      return 'speech_end';
    },
    get speaking() {
      return speaking;
    },
    get speechStartMs() {
      return speechStartSamples / SAMPLES_PER_MS;
    },
    get speechEndMs() {
      return speechEndSamples / SAMPLES_PER_MS;
    },
    get elapsedMs() {
      return elapsedSamples / SAMPLES_PER_MS;
    },
    get lastLevelDb() {
      return lastEnergy === 0 ? -Infinity : 10 * Math.log10(lastEnergy / (FULL_SCALE * FULL_SCALE));
    },
    reset() {
      elapsedSamples = 0;
      speaking = false;
      runSamples = 0;
      runStartSamples = 0;
      speechStartSamples = 0;
      speechEndSamples = 0;
      lastEnergy = 0;
    },
  };
}
