/**
 * `npm run bench -- amd [--dir DIR] [--verbose]`: Parley's answering-machine detector over a
 * labelled set of answers (`DIR/human/*.wav`, `DIR/machine/*.wav`; 16-bit PCM, any rate, mono
 * or the first channel). Without --dir it renders the project's own set with espeak-ng into
 * .parley/amd-set (scripts/amd-set.ts) the first time. Prints accuracy, machine precision and
 * recall, time-to-verdict p50/p95 and, for machines, when a left message would start.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeAmdSet } from '../scripts/amd-set.js';
import { AnsweringMachineDetector, type AmdDecision, type MessageCue } from '../src/voice/audio/answering-machine.js';
import { encodeMulaw } from '../src/media/mulaw.js';
import { resamplePcm16 } from '../src/media/resample.js';
import { parseWav } from '../src/voice/tts/espeak/wav.js';
import { fmt, percentile } from './_stats.js';
import { printTable } from './_table.js';

interface Result {
  readonly label: 'human' | 'machine';
  readonly file: string;
  readonly decision: AmdDecision;
  readonly cue: MessageCue | null;
  readonly beepAtMs: number | null;
}

/** Runs the detector over one answer, frame by frame as a call would deliver it. */
export function classify(wav: Buffer): { decision: AmdDecision; cue: MessageCue | null } {
  const { samples, sampleRateHz } = parseWav(wav);
  const audio = encodeMulaw(resamplePcm16(samples, sampleRateHz, 8000));
  const detector = new AnsweringMachineDetector();
  for (let offset = 0; offset + 160 <= audio.length; offset += 160) {
    detector.pushAudio(audio.subarray(offset, offset + 160));
    if (detector.decision && (detector.decision.verdict !== 'machine' || detector.messageCue)) break;
  }
  const decision = detector.decision ?? { verdict: 'unknown', reason: 'timeout', atMs: Math.round(detector.heardMs) };
  return { decision, cue: detector.messageCue };
}

export async function main(args: string[]): Promise<void> {
  const dirAt = args.indexOf('--dir');
  let dir = dirAt >= 0 ? args[dirAt + 1] : undefined;
  if (!dir) {
    dir = join(process.env.PARLEY_DATA_DIR ?? '.parley', 'amd-set');
    if (!existsSync(join(dir, 'machine'))) {
      process.stdout.write(`rendering the labelled set into ${dir} with espeak-ng ...\n`);
      writeAmdSet(dir);
    }
  }
  const results: Result[] = [];
  for (const label of ['human', 'machine'] as const) {
    const folder = join(dir, label);
    if (!existsSync(folder)) throw new Error(`${folder} is missing`);
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.wav')).sort()) {
      const { decision, cue } = classify(readFileSync(join(folder, file)));
      results.push({ label, file, decision, cue, beepAtMs: null });
    }
  }
  const verbose = args.includes('--verbose');
  if (verbose) {
    printTable('every answer', ['file', 'label', 'verdict', 'reason', 'at ms', 'message at'], results.map((r) => [
      r.file, r.label, r.decision.verdict, r.decision.reason, r.decision.atMs, r.cue ? `${r.cue.atMs} (${r.cue.reason})` : '-',
    ]));
  }
  const count = (f: (r: Result) => boolean) => results.filter(f).length;
  const correct = count((r) => r.decision.verdict === r.label);
  const machineCalls = count((r) => r.decision.verdict === 'machine');
  const truePositives = count((r) => r.label === 'machine' && r.decision.verdict === 'machine');
  const machines = count((r) => r.label === 'machine');
  const times = (f: (r: Result) => boolean) => results.filter(f).map((r) => r.decision.atMs);
  const row = (name: string, f: (r: Result) => boolean) => {
    const subset = results.filter(f);
    const t = times(f);
    return [
      name,
      subset.length,
      `${fmt((100 * subset.filter((r) => r.decision.verdict === r.label).length) / Math.max(1, subset.length), 1)}%`,
      subset.filter((r) => r.decision.verdict === 'unknown').length,
      fmt(percentile(t, 50) / 1000),
      fmt(percentile(t, 95) / 1000),
      fmt(Math.max(...t) / 1000),
    ];
  };
  printTable(`answering-machine detection over ${dir}`, ['answers', 'n', 'correct', 'unknown', 'verdict p50 s', 'p95 s', 'max s'], [
    row('all', () => true),
    row('human', (r) => r.label === 'human'),
    row('  short (hello?)', (r) => r.label === 'human' && r.file.startsWith('short')),
    row('  long', (r) => r.label === 'human' && r.file.startsWith('long')),
    row('machine', (r) => r.label === 'machine'),
    row('  with beep', (r) => r.label === 'machine' && r.file.includes('beep')),
    row('  no beep', (r) => r.label === 'machine' && !r.file.includes('beep')),
  ]);
  const cues = results.filter((r) => r.label === 'machine' && r.decision.verdict === 'machine' && r.cue);
  printTable('summary', ['figure', 'value'], [
    ['accuracy', `${fmt((100 * correct) / results.length, 1)}%`],
    ['machine precision', `${fmt((100 * truePositives) / Math.max(1, machineCalls), 1)}%`],
    ['machine recall', `${fmt((100 * truePositives) / Math.max(1, machines), 1)}%`],
    ['time to verdict p50 / p95', `${fmt(percentile(times(() => true), 50) / 1000)} s / ${fmt(percentile(times(() => true), 95) / 1000)} s`],
    ['message start after beep', `${cues.filter((r) => r.cue!.reason === 'beep').length} of ${count((r) => r.label === 'machine' && r.file.includes('beep'))} beeps`],
    ['message start p50 (from answer)', `${fmt(percentile(cues.map((r) => r.cue!.atMs), 50) / 1000)} s`],
  ]);
  const wrong = results.filter((r) => r.decision.verdict !== r.label);
  if (wrong.length) {
    printTable('what it gets wrong', ['file', 'label', 'verdict', 'reason', 'at ms'], wrong.map((r) => [r.file, r.label, r.decision.verdict, r.decision.reason, r.decision.atMs]));
  }
}
