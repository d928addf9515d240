// The labelled answering-machine set (scripts/amd-set.ts) and the bench's run over it: what each
// answer's facts say matches its audio, the two parts share nothing, transcripts arrive on time.
import { describe, expect, it } from 'vitest';
import { classify, TRANSCRIPT_LAG_MS, type LabelledAnswer } from '../../bench/_amd-run.js';
import { renderAmdSet, type Answer } from '../../scripts/amd-set.js';
import { AMD_SET_PARTS, phrasesOf } from '../../scripts/amd-set-phrases.js';
import { encodeMulaw } from '../../src/media/mulaw.js';
import { resamplePcm16 } from '../../src/media/resample.js';
import { silenceMulaw, speechLikeMulaw } from '../../src/media/signal.js';
import { BeepDetector } from '../../src/voice/audio/beep-detector.js';
import { isEspeakAvailable } from '../../src/voice/tts/espeak/index.js';

const hasEspeak = await isEspeakAvailable();

function labelled(answer: Answer): LabelledAnswer {
  const audio = resamplePcm16(answer.audio, answer.facts.sampleRateHz, 8000);
  return { label: answer.facts.label, file: answer.name, mulaw: encodeMulaw(audio), facts: answer.facts };
}

describe('the labelled answering-machine set', () => {
  it('keeps the held-out part apart: no phrase, voice or name in both', () => {
    const [tuning, heldOut] = AMD_SET_PARTS.map(phrasesOf);
    for (const key of ['shortHuman', 'mediumHuman', 'longHuman', 'personal', 'business', 'short', 'names', 'voices'] as const) {
      const shared = tuning![key].filter((item) => (heldOut![key] as readonly string[]).includes(item));
      // "Hello?" is what most people say: the one phrase both parts must have.
      expect(shared.filter((item) => item !== 'Hello?'), key).toEqual([]);
    }
    expect(tuning!.carrier.flat().filter((line) => heldOut!.carrier.flat().includes(line))).toEqual([]);
  });

  it.skipIf(!hasEspeak)('renders the same answers from the same seed, with facts that match the audio', () => {
    const answers = renderAmdSet('held-out', 1);
    const again = renderAmdSet('held-out', 1);
    expect(answers.map((a) => a.name)).toEqual(again.map((a) => a.name));
    expect(answers.every((a, i) => Buffer.from(a.audio.buffer).equals(Buffer.from(again[i]!.audio.buffer)))).toBe(true);
    expect(new Set(answers.map((a) => a.facts.kind)).size).toBe(9);
    for (const answer of answers) {
      const { facts } = answer;
      expect(answer.audio.length / facts.sampleRateHz).toBeGreaterThan(facts.speechEndMs / 1000);
      const ends = facts.words.map((w) => w.endMs);
      expect(ends, answer.name).toEqual([...ends].sort((a, b) => a - b));
      expect(ends[0]!).toBeGreaterThan(facts.speechStartMs);
      expect(Math.abs(ends[ends.length - 1]! - facts.speechEndMs)).toBeLessThanOrEqual(20);
      expect(facts.words.map((w) => w.word).join(' ')).toBe(facts.text.split(/\s+/).join(' '));
      const beeps = new BeepDetector();
      const { mulaw } = labelled(answer);
      for (let offset = 0; offset + 160 <= mulaw.length; offset += 160) beeps.push(mulaw.subarray(offset, offset + 160));
      if (facts.beep) {
        expect(beeps.beeps, answer.name).toHaveLength(1);
        expect(Math.abs(beeps.beeps[0]!.startMs - facts.beep.startMs)).toBeLessThanOrEqual(40);
        expect(Math.abs(beeps.beeps[0]!.endMs! - facts.beep.endMs)).toBeLessThanOrEqual(40);
      } else expect(beeps.beeps, answer.name).toEqual([]);
    }
  });

  it('feeds the known words as interim transcripts only once a streaming STT would have them', () => {
    // A short word, then "leave a message" whose last word ends at 1400 ms: too short for the
    // audio rules, so only the words can decide, and not before 1400 + the lag.
    const mulaw = Buffer.concat([silenceMulaw(200), speechLikeMulaw({ durationMs: 400 }), silenceMulaw(300), speechLikeMulaw({ durationMs: 500 }), silenceMulaw(3000)]);
    const words = [{ word: 'Hi.', endMs: 600 }, { word: 'Leave', endMs: 1100 }, { word: 'a', endMs: 1200 }, { word: 'message.', endMs: 1400 }];
    const facts = {
      label: 'machine', kind: 'short-greeting', part: 'tuning', voice: 'en-us', rateWpm: 160, noiseDb: null, line: 'white-60hz',
      sampleRateHz: 8000, text: 'Hi. Leave a message.', words, speechStartMs: 200, speechEndMs: 1400, beep: null,
    } as const;
    const answer: LabelledAnswer = { label: 'machine', file: 'leave-a-message', mulaw, facts };
    const withText = classify(answer, true);
    expect(withText.decision).toMatchObject({ verdict: 'machine', reason: 'wording' });
    expect(withText.decision.atMs).toBeGreaterThanOrEqual(1400 + TRANSCRIPT_LAG_MS);
    expect(withText.decision.atMs).toBeLessThan(1400 + TRANSCRIPT_LAG_MS + 40);
    expect(classify(answer, false).decision).toMatchObject({ verdict: 'human', reason: 'short_answer' });
  });
});
