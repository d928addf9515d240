/**
 * Renders the labelled answering-machine set offline with espeak-ng, in two parts: `tuning`
 * (seed 11) to tune the detector on and `held-out` (seed 29: other voices, phrases, beeps and
 * line noise) to measure it on. Each part is `DIR/human/*.wav` and `DIR/machine/*.wav`, 60 of
 * each, every WAV with a `.json` beside it saying what it holds (kind, words and when each
 * ends, where the speech and the beep are). Every choice comes from the seed, so a part is the
 * same on every machine with the same espeak-ng. Debian: `apt-get install espeak-ng`.
 *
 * Timing follows what lines do: people talk at 160-210 words a minute, greetings are read at
 * 135-185; people start talking 0.3-1.2 s after they answer (15% sooner),
 * a recorded greeting starts within 0.4 s of the answer on most lines and after up to 1.4 s of
 * silence on 40% of them (a forwarded call, a slow mailbox); beeps come 0.2-0.8 s after the
 * greeting, 300 ms to 1 s long. Noise: none, -60, -50 or -42 dBFS.
 *
 *   npx tsx scripts/amd-set.ts DIR [tuning|held-out]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resamplePcm16 } from '../src/media/resample.js';
import { writeWav } from '../src/media/wav.js';
import { addLineNoise, concat, random, RATE_HZ, scaled, silence, speak, tone, type LineKind, type TimedWord } from './amd-set-audio.js';
import { AMD_SET_PARTS, phrasesOf, type AmdSetPart } from './amd-set-phrases.js';

/** Bumped whenever the set changes, so the bench renders it again. */
export const AMD_SET_VERSION = 3;

export const HUMAN_KINDS = ['short', 'short-twice', 'medium', 'long', 'hesitant'] as const;
export const MACHINE_KINDS = ['personal', 'business', 'short-greeting', 'carrier'] as const;
export type AnswerKind = (typeof HUMAN_KINDS)[number] | (typeof MACHINE_KINDS)[number];

/** What one answer holds; times in ms from the answer. */
export interface AnswerFacts {
  readonly label: 'human' | 'machine';
  readonly kind: AnswerKind;
  readonly part: AmdSetPart;
  readonly voice: string;
  readonly rateWpm: number;
  readonly noiseDb: number | null;
  readonly line: LineKind;
  readonly sampleRateHz: number;
  readonly text: string;
  readonly words: readonly TimedWord[];
  readonly speechStartMs: number;
  readonly speechEndMs: number;
  readonly beep: { readonly startMs: number; readonly endMs: number; readonly frequencyHz: number } | null;
}

export interface Answer {
  readonly name: string;
  readonly audio: Int16Array;
  readonly facts: AnswerFacts;
}

const counts: Record<AnswerKind, number> = {
  short: 18, 'short-twice': 8, medium: 14, long: 14, hesitant: 6,
  personal: 22, business: 10, 'short-greeting': 12, carrier: 16,
};
/** How many of each machine kind end in a beep. */
const beeped: Partial<Record<AnswerKind, number>> = { personal: 16, business: 6, 'short-greeting': 8, carrier: 12 };

const SEEDS: Record<AmdSetPart, number> = { tuning: 11, 'held-out': 29 };
const BEEPS_HZ: Record<AmdSetPart, readonly number[]> = { tuning: [1000, 850, 1400, 440], 'held-out': [950, 1200, 700, 1600] };
const NOISE_DB = [null, -60, -50, -42] as const;

/** Builds one part in memory; `perKind` renders only that many of each kind (a smaller, different sample, for tests). */
export function renderAmdSet(part: AmdSetPart, perKind?: number): Answer[] {
  const next = random(SEEDS[part]);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const between = (low: number, high: number) => low + (high - low) * next();
  const p = phrasesOf(part);
  const answers: Answer[] = [];

  for (const kind of [...HUMAN_KINDS, ...MACHINE_KINDS]) {
    const label = (HUMAN_KINDS as readonly string[]).includes(kind) ? 'human' : 'machine';
    for (let i = 0; i < Math.min(counts[kind], perKind ?? Infinity); i++) {
      const voice = pick(p.voices);
      const rateWpm = pick(label === 'human' ? p.humanRatesWpm : p.machineRatesWpm);
      const pitch = Math.round(between(25, 75));
      const peak = between(0.25, 0.85);
      const pieces: Int16Array[] = [];
      const words: TimedWord[] = [];
      const texts: string[] = [];
      let atMs = 0;
      let speechStartMs = -1;
      let speechEndMs = 0;
      const pause = (ms: number) => {
        pieces.push(silence(ms));
        atMs += ms;
      };
      const say = (text: string, sayVoice = voice, gain = 1) => {
        const spoken = speak(text, sayVoice, rateWpm, pitch);
        pieces.push(scaled(spoken.audio, peak * gain));
        words.push(...spoken.words.map((w) => ({ word: w.word, endMs: Math.round(atMs + w.endMs) })));
        if (speechStartMs < 0) speechStartMs = Math.round(atMs + spoken.speechMs[0]);
        speechEndMs = Math.round(atMs + spoken.speechMs[1]);
        texts.push(text);
        atMs += spoken.audio.length / 8;
      };
      if (label === 'human') pause(next() < 0.15 ? between(100, 300) : between(300, 1200));
      else pause(next() < 0.6 ? between(50, 400) : between(400, 1400));
      switch (kind) {
        case 'short':
          say(pick(p.shortHuman));
          break;
        case 'short-twice':
          say(pick(p.shortHuman));
          pause(between(1500, 2500));
          say('Hello?');
          break;
        case 'medium':
          say(pick(p.mediumHuman));
          break;
        case 'long':
          say(pick(p.longHuman));
          break;
        case 'hesitant':
          say(pick(p.shortHuman));
          pause(between(700, 1300));
          say(pick(p.mediumHuman));
          break;
        case 'personal':
          say(pick(p.personal));
          break;
        case 'business':
          say(pick(p.business));
          break;
        case 'short-greeting':
          say(pick(p.short));
          break;
        case 'carrier': {
          // A system voice around the name its owner recorded, in their own voice.
          const [before, after] = pick(p.carrier);
          say(before);
          pause(between(150, 400));
          say(pick(p.names), pick(p.voices), between(0.5, 1));
          pause(between(150, 400));
          say(after);
          break;
        }
      }
      let beep: AnswerFacts['beep'] = null;
      if (i < (beeped[kind] ?? 0)) {
        pause(between(200, 800));
        const ms = between(300, 1000);
        const frequencyHz = pick(BEEPS_HZ[part]);
        pieces.push(tone(ms, frequencyHz, between(0.15, 0.5)));
        beep = { startMs: Math.round(atMs), endMs: Math.round(atMs + ms), frequencyHz };
        atMs += ms;
      }
      pause(label === 'human' ? 4000 : 3000);
      const noiseDb = pick(NOISE_DB);
      const line: LineKind = part === 'tuning' ? 'white-60hz' : 'pink-50hz-crackle';
      const clean = concat(pieces);
      const audio = addLineNoise(clean, line, noiseDb, next);
      const sampleRateHz = pick(p.sampleRatesHz);
      answers.push({
        name: `${kind}-${String(i).padStart(2, '0')}${beep ? '-beep' : ''}`,
        audio: sampleRateHz === RATE_HZ ? audio : resamplePcm16(audio, RATE_HZ, sampleRateHz),
        facts: { label, kind, part, voice, rateWpm, noiseDb, line, sampleRateHz, text: texts.join(' '), words, speechStartMs, speechEndMs, beep },
      });
    }
  }
  return answers;
}

/** Writes one part as `dir/human/*.wav`, `dir/machine/*.wav` (each with its `.json`) and `dir/set.json`. */
export function writeAmdSet(dir: string, part: AmdSetPart): { human: number; machine: number } {
  const written = { human: 0, machine: 0 };
  for (const label of ['human', 'machine'] as const) mkdirSync(join(dir, label), { recursive: true });
  for (const answer of renderAmdSet(part)) {
    const base = join(dir, answer.facts.label, answer.name);
    writeFileSync(`${base}.wav`, writeWav(answer.audio, answer.facts.sampleRateHz));
    writeFileSync(`${base}.json`, `${JSON.stringify(answer.facts)}\n`);
    written[answer.facts.label]++;
  }
  writeFileSync(join(dir, 'set.json'), `${JSON.stringify({ version: AMD_SET_VERSION, part, ...written })}\n`);
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, part = 'tuning'] = process.argv.slice(2);
  if (!dir || !(AMD_SET_PARTS as readonly string[]).includes(part)) {
    process.stderr.write('usage: npx tsx scripts/amd-set.ts DIR [tuning|held-out]\n');
    process.exit(1);
  }
  const written = writeAmdSet(dir, part as AmdSetPart);
  process.stdout.write(`${dir}: ${written.human} human, ${written.machine} machine answers (${part})\n`);
}
