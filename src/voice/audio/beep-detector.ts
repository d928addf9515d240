/**
 * Finds an answering machine's beep: one steady sine (300-2000 Hz; 1 kHz is the common one)
 * lasting at least 200 ms. Speech never holds one frequency that long with nearly all of its
 * energy in it; a beep does. Per 20 ms frame a bank of Goertzel filters 25 Hz apart finds the
 * strongest frequency and how much of the frame's energy it carries.
 */
import { goertzelPower, meanSquare } from '../../media/goertzel.js';
import { MULAW_TO_LINEAR } from '../../media/mulaw.js';

const RATE_HZ = 8000;
const BANK_HZ: readonly number[] = Array.from({ length: 69 }, (_, i) => 300 + i * 25);

export interface BeepDetectorOptions {
  /** Shortest beep. Default 200 ms (beeps run 300 ms to 1 s). */
  readonly minBeepMs?: number;
  /** Share of a frame's energy the tone must carry. Default 0.8 (a long vowel of a steady synthetic voice reached 0.75). */
  readonly minPurity?: number;
  /** Quietest beep, RMS dBFS. Default -40. */
  readonly minLevelDb?: number;
  /** How far the frequency may wander between frames. Default 40 Hz. */
  readonly maxDriftHz?: number;
}

/** A beep found in the audio. */
export interface Beep {
  readonly frequencyHz: number;
  readonly startMs: number;
  /** Set once the tone has stopped. */
  endMs?: number;
}

export class BeepDetector {
  private readonly samples = new Float64Array(160);
  private elapsedMs = 0;
  private runFrames = 0;
  private runStartMs = 0;
  private runHz = 0;
  private current: Beep | null = null;
  /** Every beep found so far, the last possibly still sounding. */
  readonly beeps: Beep[] = [];

  constructor(private readonly options: BeepDetectorOptions = {}) {}

  /**
   * Consumes one μ-law frame (160 bytes is 20 ms; other sizes work). Returns 'start' when a beep
   * has lasted long enough to count, 'end' when a counted beep stops, otherwise null.
   */
  push(frame: Uint8Array): 'start' | 'end' | null {
    const length = Math.min(frame.length, this.samples.length);
    for (let i = 0; i < length; i++) this.samples[i] = MULAW_TO_LINEAR[frame[i]!]!;
    const frameMs = (frame.length * 1000) / RATE_HZ;
    const startMs = this.elapsedMs;
    this.elapsedMs += frameMs;
    const tone = this.toneOf(length);
    if (tone !== null && this.runFrames > 0 && Math.abs(tone - this.runHz) <= (this.options.maxDriftHz ?? 40)) {
      this.runFrames++;
      this.runHz = (this.runHz * (this.runFrames - 1) + tone) / this.runFrames;
    } else {
      const ended = this.current !== null;
      if (this.current) {
        this.current.endMs = startMs;
        this.current = null;
      }
      this.runFrames = tone === null ? 0 : 1;
      this.runHz = tone ?? 0;
      this.runStartMs = startMs;
      if (ended) return 'end';
      return null;
    }
    if (!this.current && this.runFrames * frameMs >= (this.options.minBeepMs ?? 200)) {
      this.current = { frequencyHz: Math.round(this.runHz), startMs: this.runStartMs };
      this.beeps.push(this.current);
      return 'start';
    }
    return null;
  }

  /** True while a counted beep is sounding. */
  get sounding(): boolean {
    return this.current !== null;
  }

  private toneOf(length: number): number | null {
    const energy = meanSquare(this.samples, 0, length);
    const minLevel = 32768 * 10 ** ((this.options.minLevelDb ?? -40) / 20);
    if (energy < minLevel * minLevel) return null;
    let bestHz = 0;
    let bestPower = 0;
    for (const hz of BANK_HZ) {
      const power = goertzelPower(this.samples, hz, RATE_HZ, 0, length);
      if (power > bestPower) {
        bestPower = power;
        bestHz = hz;
      }
    }
    // A sine of amplitude A has power A² and mean square A²/2.
    return bestPower / 2 >= (this.options.minPurity ?? 0.8) * energy ? bestHz : null;
  }
}
