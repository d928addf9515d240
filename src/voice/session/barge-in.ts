/**
 * When the callee's speech over the agent counts as an interruption: long enough (the agent's
 * `interruption.min_duration_ms`) and not a backchannel, the "uh-huh" and "yeah" that tell the
 * agent to go on. The words come from the STT's interim transcript; speech with no words yet
 * gets a little longer before it interrupts on its length alone.
 */
import type { InterruptionSettings } from './settings.js';

/** Acknowledgements that mean "go on", not "stop". Matched as whole phrases, all of the utterance. */
export const builtInBackchannels: readonly string[] = [
  'uh-huh', 'uh huh', 'uhuh', 'mm-hmm', 'mm hmm', 'mhm', 'mm', 'mmm', 'hmm', 'hm', 'uh', 'um', 'ah', 'oh',
  'yeah', 'yes', 'yep', 'yup', 'ok', 'okay', 'right', 'sure', 'alright', 'all right', 'got it', 'i see',
  'cool', 'great', 'exactly', 'true', 'i know', 'go on', 'of course', 'totally',
];

/** Speech with no words yet interrupts once it is this much longer than the minimum. */
const noWordsGraceMs = 400;

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\- ]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

export type BargeInDecision = 'interrupt' | 'wait' | 'ignore';

export class BargeInPolicy {
  private readonly phrases: string[][];

  constructor(private readonly settings: InterruptionSettings) {
    const all = [...builtInBackchannels, ...settings.backchannels].map(tokens).filter((phrase) => phrase.length > 0);
    // Longest phrases first, so "all right" wins over "all".
    this.phrases = all.sort((a, b) => b.length - a.length);
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** True when every word of `text` belongs to a backchannel phrase (and there is at least one word). */
  isBackchannel(text: string): boolean {
    const words = tokens(text);
    if (words.length === 0) return false;
    let i = 0;
    outer: while (i < words.length) {
      for (const phrase of this.phrases) {
        if (phrase.every((word, k) => words[i + k] === word)) {
          i += phrase.length;
          continue outer;
        }
      }
      return false;
    }
    return true;
  }

  /** What to do about `speechMs` of callee speech over the agent, in which the STT has heard `words`. */
  decide(speechMs: number, words: string): BargeInDecision {
    if (!this.settings.enabled) return 'ignore';
    if (speechMs < this.settings.min_duration_ms) return 'wait';
    if (!words.trim()) return speechMs >= this.settings.min_duration_ms + noWordsGraceMs ? 'interrupt' : 'wait';
    return this.isBackchannel(words) ? 'wait' : 'interrupt';
  }
}
