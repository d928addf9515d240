/**
 * Renders the labelled answering-machine set offline with espeak-ng: `DIR/human/*.wav` (short
 * "hello?" answers and longer ones, some with a second "hello?" after a wait) and
 * `DIR/machine/*.wav` (voicemail greetings, with and without a beep), across voices, rates,
 * answer delays, sample rates and line noise. Every choice comes from a fixed seed, so the
 * set is the same on every machine with the same espeak-ng. Debian: `apt-get install espeak-ng`.
 *
 *   npx tsx scripts/amd-set.ts DIR
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWav, writeWav } from '../src/voice/tts/espeak/wav.js';
import { resamplePcm16 } from '../src/media/resample.js';

const shortHuman = ['Hello?', 'Hello.', 'Yeah?', 'Hi.', 'Yes?', 'Hello, who is this?', 'Speaking.', 'Hey.', 'Hello, yes?', 'Good morning.'];
const longHuman = [
  'Hi, this is Mark speaking.',
  'Hello, Jennifer speaking, how can I help?',
  'Good afternoon, this is Dave.',
  'Yeah, hello, who is calling please?',
  'Hello? Yes, this is she.',
  'Hi there, who am I speaking with?',
  'Hello, Smith residence.',
  'Yes, hello, this is Carlos.',
  'Accounts, Maria speaking.',
  'Hello? Sorry, I can barely hear you.',
];
const greetings = [
  "Hi, you've reached John Smith. I can't take your call right now. Please leave a message after the beep.",
  'The person you are calling is not available. At the tone, please record your message. When you have finished recording, you may hang up.',
  'Hello, you have reached the voicemail of Sarah. Leave your name and number and I will call you back.',
  'Thanks for calling Acme Dental. Our office is currently closed. Please leave a message and we will return your call on the next business day.',
  "Hey, it's Mike. Leave a message.",
  'Your call has been forwarded to an automated voice messaging system. Four one five, five five five, zero one zero zero, is not available.',
  "Hi, this is Emily. Sorry I missed you, I'm probably driving. Leave me a message and I'll get back to you soon.",
  'You have reached the office of Doctor Patel. Please leave a detailed message including your date of birth.',
  'Hello. Nobody is available to take your call. Please leave a message.',
  'Hi, this is Tom. I am away from my desk. Please leave your name, number and a short message, thanks.',
];
const voices = ['en-us', 'en-gb', 'en-us+f3', 'en-gb-scotland', 'en-029', 'en-us+m3', 'en-gb-x-rp+f2'];
const rates = [140, 165, 190];
const beepsHz = [1000, 850, 1400, 440];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function speak(text: string, voice: string, wordsPerMinute: number): Int16Array {
  const wav = execFileSync('espeak-ng', ['--stdout', '-v', voice, '-s', String(wordsPerMinute), text], { maxBuffer: 64 << 20 });
  const { samples, sampleRateHz } = parseWav(wav);
  return resamplePcm16(samples, sampleRateHz, 8000);
}

const silence = (ms: number) => new Int16Array(Math.round(ms * 8));

function tone(ms: number, hz: number, amplitude: number): Int16Array {
  const out = new Int16Array(Math.round(ms * 8));
  const ramp = 40;
  for (let i = 0; i < out.length; i++) {
    const edge = Math.min(1, i / ramp, (out.length - 1 - i) / ramp);
    out[i] = Math.round(amplitude * 32767 * edge * Math.sin((2 * Math.PI * hz * i) / 8000));
  }
  return out;
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Scales to a peak level, adds line noise (white plus mains hum) at `noiseDb` dBFS when given. */
function line(samples: Int16Array, peak: number, noiseDb: number | null, next: () => number): Int16Array {
  let max = 1;
  for (const s of samples) max = Math.max(max, Math.abs(s));
  const gain = (peak * 32767) / max;
  const noise = noiseDb === null ? 0 : 32767 * 10 ** (noiseDb / 20) * Math.sqrt(3);
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const hiss = noise * (2 * next() - 1);
    const hum = noise * 0.5 * Math.sin((2 * Math.PI * 60 * i) / 8000);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * gain + hiss + hum)));
  }
  return out;
}

/** One answer: what a detector hears from the moment the call is answered. */
interface Answer {
  readonly label: 'human' | 'machine';
  readonly name: string;
  readonly audio: Int16Array;
  readonly sampleRateHz: number;
}

/** Builds the whole set in memory. */
export function renderAmdSet(seed = 11): Answer[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const answers: Answer[] = [];
  const finish = (label: Answer['label'], name: string, body: Int16Array[], index: number) => {
    const noisy = index % 3 !== 0;
    const audio = line(concat(body), 0.3 + 0.5 * next(), noisy ? -55 + 20 * next() : null, next);
    // Every fourth file at 16 kHz: the bench reads any rate.
    const sampleRateHz = index % 4 === 3 ? 16000 : 8000;
    answers.push({ label, name, audio: sampleRateHz === 8000 ? audio : resamplePcm16(audio, 8000, sampleRateHz), sampleRateHz });
  };
  let index = 0;
  for (const [kind, texts] of [['short', shortHuman], ['long', longHuman]] as const) {
    for (const [i, text] of texts.entries()) {
      for (let take = 0; take < 2; take++) {
        const voice = voices[(i + take * 3) % voices.length]!;
        const body = [silence(150 + 700 * next()), speak(text, voice, pick(rates))];
        // Some people say "hello?" again when nobody answers.
        if (kind === 'short' && take === 1) body.push(silence(1800 + 600 * next()), speak('Hello?', voice, 165));
        body.push(silence(4000));
        finish('human', `${kind}-${i}-${take}`, body, index++);
      }
    }
  }
  for (const [i, text] of greetings.entries()) {
    for (let take = 0; take < 4; take++) {
      const voice = voices[(i * 2 + take) % voices.length]!;
      const body = [silence(100 + 900 * next()), speak(text, voice, pick(rates))];
      const withBeep = take !== 3;
      if (withBeep) body.push(silence(200 + 500 * next()), tone(350 + 650 * next(), pick(beepsHz), 0.5));
      body.push(silence(3000));
      finish('machine', `greeting-${i}-${take}${withBeep ? '-beep' : ''}`, body, index++);
    }
  }
  return answers;
}

/** Writes the set as `dir/human/*.wav` and `dir/machine/*.wav`; returns how many of each. */
export function writeAmdSet(dir: string, seed = 11): { human: number; machine: number } {
  const counts = { human: 0, machine: 0 };
  for (const label of ['human', 'machine'] as const) mkdirSync(join(dir, label), { recursive: true });
  for (const answer of renderAmdSet(seed)) {
    writeFileSync(join(dir, answer.label, `${answer.name}.wav`), writeWav(answer.audio, answer.sampleRateHz));
    counts[answer.label]++;
  }
  return counts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: npx tsx scripts/amd-set.ts DIR\n');
    process.exit(1);
  }
  const counts = writeAmdSet(dir);
  process.stdout.write(`${dir}: ${counts.human} human, ${counts.machine} machine answers\n`);
}
