/**
 * `npm run bench -- amd [--dir DIR] [--part tuning|held-out] [--verbose]`: Parley's
 * answering-machine detector over labelled answers (`DIR/human/*.wav`, `DIR/machine/*.wav`;
 * 16-bit PCM, any rate, mono or the first channel). Without --dir it renders the project's
 * own set with espeak-ng (scripts/amd-set.ts) into .parley/amd-set/{tuning,held-out} and
 * reports both parts: the detector is tuned on the first and never on the second.
 *
 * Each part is run from the audio alone, and again "with a correct transcript (upper bound)":
 * the answer's known words fed as interim transcripts 300 ms after each word's audio, as a
 * streaming STT that never mishears would; again with one word in five misheard (dropped or
 * replaced by a common short word, seeded per file), closer to an STT on a phone line; and from
 * the audio alone with the verdict allowed 4.5 s instead of 2.9 s, to show what the 3 s goal costs. Prints accuracy, machine precision and recall,
 * time-to-verdict p50/p95 per class, when a left message would start, and what each value of an
 * agent's `voicemail.max_verdict_ms` trades between accuracy and time; --verbose lists every
 * misclassified answer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AMD_SET_VERSION, writeAmdSet } from '../scripts/amd-set.js';
import { AMD_SET_PARTS, type AmdSetPart } from '../scripts/amd-set-phrases.js';
import type { AmdOptions } from '../src/voice/audio/answering-machine.js';
import { classify, loadAnswers, type LabelledAnswer, type Outcome, type TranscriptMode } from './_amd-run.js';
import { fmt, percentile } from './_stats.js';
import { printTable } from './_table.js';

interface Scored {
  readonly answer: LabelledAnswer;
  readonly audio: Outcome;
  readonly withText: Outcome;
  /** The same words with one in five misheard (dropped or replaced), as a phone-line STT might. */
  readonly withNoisyText: Outcome;
  /** Audio only, with the verdict allowed to wait 4.5 s: what the 3 s goal costs. */
  readonly slower: Outcome;
}

/**
 * The best setting found on the tuning part when the verdict may take 4.5 s: a stretch must
 * reach 3.2 s to be a greeting, so a long answer is heard to its end.
 */
const SLOWER: AmdOptions = { maxAnalysisMs: 4500, greetingSpeechMs: 3200, answerSilenceMs: 900 };

/** The word error rate of the "misheard transcript" column: phone-line STT is often at 10-25%. */
const NOISY_WORD_ERRORS = 0.2;

const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${fmt((100 * part) / whole, 1)}%`);
const seconds = (ms: readonly number[], p: number) => fmt(percentile(ms, p) / 1000);

function ensurePart(root: string, part: AmdSetPart): string {
  const dir = join(root, part);
  const manifest = join(dir, 'set.json');
  const current = existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: number }).version === AMD_SET_VERSION;
  if (!current) {
    process.stdout.write(`rendering the ${part} part of the labelled set into ${dir} with espeak-ng ...\n`);
    writeAmdSet(dir, part);
  }
  return dir;
}

/** The summary figures of one mode (audio only, or with the transcript). */
function figures(results: readonly Scored[], pickOutcome: (s: Scored) => Outcome): string[] {
  const outcomes = results.map((s) => ({ label: s.answer.label, facts: s.answer.facts, ...pickOutcome(s) }));
  const right = outcomes.filter((o) => o.decision.verdict === o.label).length;
  const calledMachine = outcomes.filter((o) => o.decision.verdict === 'machine');
  const machines = outcomes.filter((o) => o.label === 'machine');
  const truePositives = calledMachine.filter((o) => o.label === 'machine').length;
  const times = (label?: string) => outcomes.filter((o) => !label || o.label === label).map((o) => o.decision.atMs);
  const firstTimes = outcomes.map((o) => o.first.atMs);
  const caught = machines.filter((o) => o.decision.verdict === 'machine');
  const beeped = caught.filter((o) => o.facts?.beep);
  const afterBeep = beeped.filter((o) => o.cue).map((o) => o.cue!.atMs - o.facts!.beep!.endMs);
  const plain = caught.filter((o) => o.facts && !o.facts.beep);
  const afterGreeting = plain.filter((o) => o.cue).map((o) => o.cue!.atMs - o.facts!.speechEndMs);
  // How long a person who answered had been silent when the verdict came: since the end of the
  // last word they had said by then.
  const waits = outcomes
    .filter((o) => o.label === 'human' && o.facts)
    .map((o) => {
      const ended = o.facts!.words.map((w) => w.endMs).filter((end) => end <= o.decision.atMs);
      return ended.length ? o.decision.atMs - Math.max(...ended) : 0;
    });
  const revised = outcomes.filter((o) => o.decision.revised);
  return [
    pct(right, outcomes.length),
    pct(outcomes.filter((o) => o.first.verdict === o.label).length, outcomes.length),
    `${revised.filter((o) => o.label === 'machine').length} / ${revised.filter((o) => o.label === 'human').length}`,
    pct(truePositives, calledMachine.length),
    pct(truePositives, machines.length),
    String(outcomes.filter((o) => o.decision.verdict === 'unknown').length),
    `${seconds(times(), 50)} / ${seconds(times(), 95)}`,
    `${seconds(firstTimes, 50)} / ${seconds(firstTimes, 95)}`,
    `${seconds(times('human'), 50)} / ${seconds(times('human'), 95)}`,
    `${seconds(times('machine'), 50)} / ${seconds(times('machine'), 95)}`,
    waits.length ? `${seconds(waits, 50)} / ${seconds(waits, 95)}` : '-',
    `${beeped.filter((o) => o.cue?.reason === 'beep').length} of ${machines.filter((o) => o.facts?.beep).length}`,
    `${afterBeep.filter((ms) => ms < 0).length} / ${seconds(afterBeep, 50)} / ${seconds(afterBeep, 95)}`,
    `${afterGreeting.filter((ms) => ms < 0).length} / ${seconds(afterGreeting, 50)} / ${seconds(afterGreeting, 95)}`,
  ];
}

const FIGURES = [
  'accuracy (final verdict)',
  'accuracy of the first verdict (before the second look)',
  'second-look revisions to machine: right / wrong',
  'machine precision',
  'machine recall',
  'unknown verdicts',
  'verdict p50 / p95 s, all (a revision counts at its time)',
  'first verdict p50 / p95 s, all',
  'verdict p50 / p95 s, human',
  'verdict p50 / p95 s, machine',
  "a person's silence before the verdict p50 / p95 s",
  'message cued by the beep',
  'cue after beep end: early / p50 / p95 s',
  'cue after greeting end (no beep): early / p50 / p95 s',
];

function report(title: string, results: readonly Scored[], verbose: boolean): void {
  const withFacts = results.every((s) => s.answer.facts);
  const groups = new Map<string, Scored[]>();
  for (const s of results) {
    const kind = s.answer.facts ? `${s.answer.label} ${s.answer.facts.kind}${s.answer.facts.beep ? ' +beep' : ''}` : s.answer.label;
    groups.set(kind, [...(groups.get(kind) ?? []), s]);
    if (s.answer.facts) {
      const noise = `noise ${s.answer.facts.noiseDb === null ? 'none' : `${s.answer.facts.noiseDb} dBFS`}`;
      groups.set(noise, [...(groups.get(noise) ?? []), s]);
    }
  }
  const correct = (list: readonly Scored[], o: (s: Scored) => Outcome) => pct(list.filter((s) => o(s).decision.verdict === s.answer.label).length, list.length);
  // Kinds as rendered, then noise from none to the loudest.
  const noiseOf = (name: string) => (name.startsWith('noise') ? (Number.parseFloat(name.slice(6)) || -Infinity) : Number.NaN);
  const ordered = [...groups].sort(([a], [b]) => {
    const [x, y] = [noiseOf(a), noiseOf(b)];
    if (Number.isNaN(x) || Number.isNaN(y)) return Number(!Number.isNaN(x)) - Number(!Number.isNaN(y));
    return x - y;
  });
  printTable(`${title}: by kind of answer`, ['answers', 'n', 'correct (audio)', 'verdict p50 s', 'p95 s', 'correct (with transcript)', 'correct (20% misheard)', 'correct (audio, 4.5 s bound)'], ordered.map(([name, list]) => [
    name,
    list.length,
    correct(list, (s) => s.audio),
    seconds(list.map((s) => s.audio.decision.atMs), 50),
    seconds(list.map((s) => s.audio.decision.atMs), 95),
    withFacts ? correct(list, (s) => s.withText) : '-',
    withFacts ? correct(list, (s) => s.withNoisyText) : '-',
    correct(list, (s) => s.slower),
  ]));
  const audio = figures(results, (s) => s.audio);
  const text = withFacts ? figures(results, (s) => s.withText) : FIGURES.map(() => '-');
  const noisy = withFacts ? figures(results, (s) => s.withNoisyText) : FIGURES.map(() => '-');
  const slower = figures(results, (s) => s.slower);
  printTable(
    `${title}: summary`,
    ['figure', 'audio only', 'with a correct transcript (upper bound)', `with ${NOISY_WORD_ERRORS * 100}% of words misheard`, 'audio only, 4.5 s bound'],
    FIGURES.map((name, i) => [name, audio[i]!, text[i]!, noisy[i]!, slower[i]!]),
  );
  if (!verbose) return;
  for (const [mode, o] of [['audio only', (s: Scored) => s.audio], ['with a correct transcript', (s: Scored) => s.withText]] as const) {
    const wrong = results.filter((s) => o(s).decision.verdict !== s.answer.label);
    if (!wrong.length) continue;
    printTable(`${title}, ${mode}: misclassified`, ['file', 'label', 'verdict', 'reason', 'at ms', 'speech ms', 'noise', 'voice', 'text'], wrong.map((s) => [
      s.answer.file,
      s.answer.label,
      o(s).decision.verdict,
      o(s).decision.reason,
      o(s).decision.atMs,
      s.answer.facts ? `${s.answer.facts.speechStartMs}-${s.answer.facts.speechEndMs}` : '-',
      s.answer.facts?.noiseDb ?? '-',
      s.answer.facts ? `${s.answer.facts.voice} ${s.answer.facts.rateWpm}` : '-',
      s.answer.facts?.text.slice(0, 60) ?? '-',
    ]));
  }
}

/** Values of an agent's `voicemail.max_verdict_ms` the trade-off table tries (unset is 4.5 s). */
const MAX_VERDICT_MS_TRIED = [2000, 2500, 2900, 3200, 3500, 3800, 4500];

/**
 * What the bound on a worded answer buys: accuracy against time-to-verdict, with the words
 * exact and misheard. Under 3 s the words of a long answer have not yet said whose it is: the
 * next-to-last column counts the answers still talking at the bound whose words (exact) had
 * said nothing either way. The detector calls them all machines; the people among them are its
 * errors, and a rule that called them people would instead miss the greetings among them. The
 * last column is therefore the most any rule could get right at that bound if it goes by the
 * words (as this detector's wording knows them) and whether the voice is still talking: the
 * whole set less the smaller side of that group.
 */
function tradeOff(title: string, answers: readonly LabelledAnswer[]): void {
  const measure = (bound: number, mode: TranscriptMode) => {
    const outcomes = answers.map((answer) => ({ label: answer.label, ...classify(answer, mode, { maxVerdictMs: bound }) }));
    const times = outcomes.map((o) => o.decision.atMs);
    const talking = outcomes.filter((o) => o.decision.reason === 'timeout' && o.decision.verdict === 'machine');
    const [people, greetings] = [talking.filter((o) => o.label === 'human').length, talking.filter((o) => o.label === 'machine').length];
    return {
      figures: [pct(outcomes.filter((o) => o.decision.verdict === o.label).length, outcomes.length), seconds(times, 95)],
      talking: `${people} / ${greetings}`,
      // Whatever such a rule calls the group, the smaller side of it is wrong.
      ceiling: pct(outcomes.length - Math.min(people, greetings), outcomes.length),
    };
  };
  const columns = [
    'max_verdict_ms',
    'accuracy (correct transcript)',
    'p95 s',
    'accuracy (20% misheard)',
    'p95 s',
    'still talking, words say nothing: people / greetings',
    'ceiling: best any rule by words and talking could do',
  ];
  printTable(`${title}: the latest verdict (an agent's max_verdict_ms), against accuracy`, columns, MAX_VERDICT_MS_TRIED.map((bound) => {
    const exact = measure(bound, true);
    return [String(bound), ...exact.figures, ...measure(bound, { wordErrors: NOISY_WORD_ERRORS }).figures, exact.talking, exact.ceiling];
  }));
}

export async function main(args: string[]): Promise<void> {
  const valueOf = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const dir = valueOf('--dir');
  const only = valueOf('--part');
  if (only && !(AMD_SET_PARTS as readonly string[]).includes(only)) throw new Error(`--part must be one of ${AMD_SET_PARTS.join(', ')}`);
  const root = join(process.env.PARLEY_DATA_DIR ?? '.parley', 'amd-set');
  const sets = dir
    ? [{ title: dir, dir }]
    : AMD_SET_PARTS.filter((part) => !only || part === only).map((part) => ({ title: `${part} part`, dir: ensurePart(root, part) }));
  for (const set of sets) {
    const results = loadAnswers(set.dir).map((answer) => ({
      answer,
      audio: classify(answer, false),
      withText: classify(answer, true),
      withNoisyText: classify(answer, { wordErrors: NOISY_WORD_ERRORS }),
      slower: classify(answer, false, SLOWER),
    }));
    const title = `${set.title} (${results.filter((s) => s.answer.label === 'human').length} human, ${results.filter((s) => s.answer.label === 'machine').length} machine)`;
    report(title, results, args.includes('--verbose'));
    if (results.every((s) => s.answer.facts)) tradeOff(title, results.map((s) => s.answer));
  }
}
