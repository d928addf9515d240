/**
 * Runs the answering-machine detector over one labelled answer, frame by frame as a call
 * delivers it, either from the audio alone or also with the answer's known words fed as
 * interim transcripts when a streaming speech-to-text would have produced them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AnswerFacts } from '../scripts/amd-set.js';
import type { TimedWord } from '../scripts/amd-set-audio.js';
import { encodeMulaw } from '../src/media/mulaw.js';
import { resamplePcm16 } from '../src/media/resample.js';
import { AnsweringMachineDetector, type AmdDecision, type AmdOptions, type MessageCue } from '../src/voice/audio/answering-machine.js';
import { parseWav } from '../src/media/wav.js';

/** A streaming STT's interim result lands this long after the word's audio ends. */
export const TRANSCRIPT_LAG_MS = 300;

export interface LabelledAnswer {
  readonly label: 'human' | 'machine';
  readonly file: string;
  /** 8 kHz μ-law, as the line delivers it. */
  readonly mulaw: Buffer;
  /** What the set's `.json` says about it (absent for sets from elsewhere). */
  readonly facts: AnswerFacts | null;
}

export interface Outcome {
  /** The final verdict (after the second look, which may have revised a `human`). */
  readonly decision: AmdDecision;
  /** The first verdict, the one the greeting waited for. */
  readonly first: AmdDecision;
  readonly cue: MessageCue | null;
}

/** Reads `dir/human/*.wav` and `dir/machine/*.wav` (16-bit PCM, any rate) with their `.json`, if any. */
export function loadAnswers(dir: string): LabelledAnswer[] {
  const answers: LabelledAnswer[] = [];
  for (const label of ['human', 'machine'] as const) {
    const folder = join(dir, label);
    if (!existsSync(folder)) throw new Error(`${folder} is missing`);
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.wav')).sort()) {
      const { samples, sampleRateHz } = parseWav(readFileSync(join(folder, file)));
      const factsFile = join(folder, file.replace(/\.wav$/, '.json'));
      const facts = existsSync(factsFile) ? (JSON.parse(readFileSync(factsFile, 'utf8')) as AnswerFacts) : null;
      answers.push({ label, file, mulaw: encodeMulaw(resamplePcm16(samples, sampleRateHz, 8000)), facts });
    }
  }
  return answers;
}

/**
 * How the answer's words reach the detector: not at all, exactly, or misheard (`wordErrors`: the
 * share of words a real STT gets wrong, each one dropped or replaced by a common short word).
 */
export type TranscriptMode = boolean | { readonly wordErrors: number };

/** Short words a recogniser puts where it misheard one. */
const misheardAs = ['the', 'a', 'and', 'to', 'uh', 'in', 'for', 'you', 'it', 'is', 'on', 'that', 'of', 'hm'];

/** The words as a recogniser with `rate` word errors would hand them over (seeded by the file, so every run is the same). */
function misheard(words: readonly TimedWord[], rate: number, file: string): TimedWord[] {
  let seed = [...file].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) >>> 0, 7);
  const next = () => {
    seed = (seed * 1_664_525 + 1_013_904_223) >>> 0;
    return seed / 2 ** 32;
  };
  const out: TimedWord[] = [];
  for (const word of words) {
    if (next() >= rate) out.push(word);
    else if (next() < 0.5) out.push({ word: misheardAs[Math.floor(next() * misheardAs.length)]!, endMs: word.endMs });
  }
  return out;
}

/** Runs a fresh detector over one answer; with a `transcript`, the answer's words arrive as interim transcripts. */
export function classify(answer: LabelledAnswer, transcript: TranscriptMode, options?: AmdOptions): Outcome {
  const detector = new AnsweringMachineDetector(options);
  const known = transcript ? (answer.facts?.words ?? []) : [];
  const words = typeof transcript === 'object' ? misheard(known, transcript.wordErrors, answer.file) : known;
  let heardWords = 0;
  let first: AmdDecision | null = null;
  for (let offset = 0; offset + 160 <= answer.mulaw.length; offset += 160) {
    detector.pushAudio(answer.mulaw.subarray(offset, offset + 160));
    first ??= detector.decision;
    let due = heardWords;
    while (due < words.length && words[due]!.endMs + TRANSCRIPT_LAG_MS <= detector.heardMs) due++;
    if (due > heardWords) {
      heardWords = due;
      detector.pushTranscript(words.slice(0, due).map((w) => w.word).join(' '));
      first ??= detector.decision;
    }
    // Done once the verdict is final: a machine's message cued, or a person past the second look.
    if (detector.decision && (detector.decision.verdict === 'machine' ? detector.messageCue : !detector.looking)) break;
  }
  const decision = detector.decision ?? { verdict: 'unknown', reason: 'timeout', atMs: Math.round(detector.heardMs) };
  return { decision, first: first ?? decision, cue: detector.messageCue };
}
