import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dtmfMulaw } from '../../media/dtmf.js';
import { encodeMulaw } from '../../media/mulaw.js';
import { AnsweringMachineDetector, soundsLikeGreeting, soundsLikePerson } from './answering-machine.js';
import { BeepDetector } from './beep-detector.js';
import { silenceMulaw, sineMulaw, sliceFrames, speechLikeMulaw } from '../../media/signal.js';

function run(audio: Buffer, detector = new AnsweringMachineDetector()): AnsweringMachineDetector {
  for (const frame of sliceFrames(audio)) {
    detector.pushAudio(frame);
    if (detector.decision && (detector.decision.verdict !== 'machine' || detector.messageCue)) break;
  }
  return detector;
}

const greeting = readFileSync(new URL('../../telephony/sim/audio/recordings/voicemail-greeting.ulaw', import.meta.url));

describe('BeepDetector', () => {
  it('finds a 1 kHz beep and when it ends', () => {
    const detector = new BeepDetector();
    const events: string[] = [];
    for (const frame of sliceFrames(Buffer.concat([silenceMulaw(300), sineMulaw({ durationMs: 500, frequencyHz: 1000, amplitude: 0.4 }), silenceMulaw(300)]))) {
      const event = detector.push(frame);
      if (event) events.push(event);
    }
    expect(events).toEqual(['start', 'end']);
    expect(detector.beeps[0]).toMatchObject({ startMs: 300, endMs: 800 });
    expect(Math.abs(detector.beeps[0]!.frequencyHz - 1000)).toBeLessThanOrEqual(25);
  });

  it('hears no beep in speech, a recorded greeting or DTMF digits', () => {
    const detector = new BeepDetector();
    for (const frame of sliceFrames(Buffer.concat([speechLikeMulaw({ durationMs: 3000 }), greeting, dtmfMulaw('123')]))) detector.push(frame);
    expect(detector.beeps).toEqual([]);
  });

  it('hears no beep in a held vowel whose strongest harmonic carries three quarters of its energy', () => {
    // A steady synthetic voice holding "oo": 250 Hz fundamental, its 500 Hz harmonic strongest.
    const samples = new Int16Array(8 * 600);
    for (let i = 0; i < samples.length; i++) {
      const t = i / 8000;
      samples[i] = Math.round(6000 * Math.sin(2 * Math.PI * 500 * t) + 3464 * Math.sin(2 * Math.PI * 250 * t));
    }
    const detector = new BeepDetector();
    for (const frame of sliceFrames(encodeMulaw(samples))) detector.push(frame);
    expect(detector.beeps).toEqual([]);
    const lenient = new BeepDetector({ minPurity: 0.65 });
    for (const frame of sliceFrames(encodeMulaw(samples))) lenient.push(frame);
    expect(lenient.beeps).toHaveLength(1);
  });

  it('ignores a tone shorter than a beep', () => {
    const detector = new BeepDetector();
    for (const frame of sliceFrames(sineMulaw({ durationMs: 120, frequencyHz: 1000 }))) detector.push(frame);
    expect(detector.beeps).toEqual([]);
  });
});

describe('AnsweringMachineDetector', () => {
  it('calls a short answer followed by a wait a person', () => {
    const detector = run(Buffer.concat([silenceMulaw(400), speechLikeMulaw({ durationMs: 600 }), silenceMulaw(3000)]));
    expect(detector.decision).toMatchObject({ verdict: 'human', reason: 'short_answer' });
    // 400 ms before the word, 600 ms of it, then 800 ms of quiet.
    expect(detector.decision!.atMs).toBeGreaterThanOrEqual(1800);
    expect(detector.decision!.atMs).toBeLessThanOrEqual(1900);
  });

  it('calls a recorded greeting a machine within two and a half seconds, then waits for the beep', () => {
    const beepAtMs = 300 + greeting.length / 8 + 400;
    const detector = run(Buffer.concat([silenceMulaw(300), greeting, silenceMulaw(400), sineMulaw({ durationMs: 600, frequencyHz: 1000, amplitude: 0.4 }), silenceMulaw(2000)]));
    expect(detector.decision).toMatchObject({ verdict: 'machine', reason: 'long_greeting' });
    expect(detector.decision!.atMs).toBeLessThan(2500);
    expect(detector.messageCue?.reason).toBe('beep');
    // The message starts as the beep stops (600 ms after it began), not before.
    expect(detector.messageCue!.atMs - (beepAtMs + 600)).toBeGreaterThanOrEqual(0);
    expect(detector.messageCue!.atMs - (beepAtMs + 600)).toBeLessThanOrEqual(60);
  });

  it('calls a beep a machine even after a short greeting', () => {
    const detector = run(Buffer.concat([speechLikeMulaw({ durationMs: 500 }), silenceMulaw(300), sineMulaw({ durationMs: 500, frequencyHz: 850, amplitude: 0.4 }), silenceMulaw(2000)]));
    expect(detector.decision).toMatchObject({ verdict: 'machine', reason: 'beep' });
    expect(detector.messageCue?.reason).toBe('beep');
  });

  it('takes a second look after a short answer: a beep within 4 s makes it a machine, marked revised, cued at the beep\'s end', () => {
    // "Leave a message." (1.2 s), a 1.2 s pause that the short-answer rule calls a person, then the beep.
    const detector = new AnsweringMachineDetector();
    const frames = sliceFrames(Buffer.concat([speechLikeMulaw({ durationMs: 1200 }), silenceMulaw(1200), sineMulaw({ durationMs: 500, frequencyHz: 1000, amplitude: 0.4 }), silenceMulaw(1000)]));
    const decisions = frames.map((frame) => detector.pushAudio(frame)).filter((d) => d !== null);
    expect(decisions.map((d) => [d.verdict, d.reason, Boolean(d.revised)])).toEqual([['human', 'short_answer', false], ['machine', 'beep', true]]);
    expect(decisions[1]!.atMs).toBeGreaterThanOrEqual(2400 + 200);
    expect(detector.messageCue).toMatchObject({ reason: 'beep' });
    expect(detector.messageCue!.atMs).toBeGreaterThanOrEqual(2400 + 500);
    expect(detector.looking).toBe(false);
  });

  it('closes the second look after 4 s, and never opens it on a person\'s own words', () => {
    const late = new AnsweringMachineDetector();
    for (const frame of sliceFrames(Buffer.concat([speechLikeMulaw({ durationMs: 600 }), silenceMulaw(5000), sineMulaw({ durationMs: 500, frequencyHz: 1000, amplitude: 0.4 })]))) late.pushAudio(frame);
    expect(late.decision).toMatchObject({ verdict: 'human', reason: 'short_answer' });
    expect(late.looking).toBe(false);

    const asked = new AnsweringMachineDetector();
    asked.pushAudio(speechLikeMulaw({ durationMs: 600 }));
    expect(asked.pushTranscript('Hello, who is this?')).toMatchObject({ verdict: 'human', reason: 'wording' });
    expect(asked.looking).toBe(false);
    expect(asked.pushTranscript('Hello, who is this? Leave a message')).toBeNull();
  });

  it('does not revise a short answer by later words: a greeted person may offer to take a message', () => {
    const detector = run(Buffer.concat([speechLikeMulaw({ durationMs: 900 }), silenceMulaw(1000)]));
    expect(detector.decision).toMatchObject({ verdict: 'human', reason: 'short_answer' });
    expect(detector.looking).toBe(true);
    expect(detector.pushTranscript("Hello? He's not available right now, can I take a message?")).toBeNull();
    expect(detector.decision).toMatchObject({ verdict: 'human' });
  });

  it('starts a message after the greeting has been quiet when there is no beep', () => {
    const detector = run(Buffer.concat([greeting, silenceMulaw(3000)]));
    expect(detector.decision?.verdict).toBe('machine');
    expect(detector.messageCue).toMatchObject({ reason: 'silence' });
    expect(detector.messageCue!.atMs - greeting.length / 8).toBeLessThan(1500);
  });

  it('keeps hearing beeps after the message was cued, so a late one can be told', () => {
    const detector = run(Buffer.concat([greeting, silenceMulaw(3000)]));
    expect(detector.messageCue).toMatchObject({ reason: 'silence' });
    expect(detector.lastBeepEndMs).toBeNull();
    for (const frame of sliceFrames(Buffer.concat([sineMulaw({ durationMs: 400, frequencyHz: 1000, amplitude: 0.4 }), silenceMulaw(200)]))) detector.pushAudio(frame);
    expect(detector.messageCue).toMatchObject({ reason: 'silence' });
    expect(detector.lastBeepEndMs).toBeGreaterThan(detector.messageCue!.atMs);
  });

  it('hears speech over line noise', () => {
    let seed = 3;
    const noisy = (audio: Buffer) =>
      Buffer.from(audio.map((code) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return code === 0xff ? (seed % 2 ? 0xf4 : 0x74) : code; // ±~-50 dBFS hiss where the line is quiet
      }));
    const detector = run(noisy(Buffer.concat([silenceMulaw(500), speechLikeMulaw({ durationMs: 4000 }), silenceMulaw(1000)])));
    expect(detector.decision).toMatchObject({ verdict: 'machine', reason: 'long_greeting' });
  });

  it('decides within its bound: unknown when nobody speaks', () => {
    const detector = run(silenceMulaw(6000));
    expect(detector.decision).toEqual({ verdict: 'unknown', reason: 'no_speech', atMs: 2900 });
  });

  it('bridges the pause between a greeting\'s sentences', () => {
    const sentence = () => speechLikeMulaw({ durationMs: 1000 });
    const detector = run(Buffer.concat([silenceMulaw(200), sentence(), silenceMulaw(400), sentence(), silenceMulaw(3000)]));
    expect(detector.decision).toMatchObject({ verdict: 'machine', reason: 'long_greeting' });
    expect(detector.decision!.atMs).toBeLessThan(2200);
  });

  it('calls a voice still talking at the bound a machine', () => {
    // Two-word bursts with 500 ms gaps: no stretch is long, no pause ends the answer.
    const bursts = Array.from({ length: 5 }, () => [speechLikeMulaw({ durationMs: 300 }), silenceMulaw(500)]).flat();
    const detector = run(Buffer.concat([silenceMulaw(600), ...bursts, speechLikeMulaw({ durationMs: 2000 })]));
    expect(detector.decision).toEqual({ verdict: 'machine', reason: 'timeout', atMs: 2900 });
  });

  it('calls a pause at the bound a person, and only the bound ends the wait', () => {
    const bursts = Array.from({ length: 3 }, () => [speechLikeMulaw({ durationMs: 300 }), silenceMulaw(550)]).flat();
    const detector = run(Buffer.concat([silenceMulaw(400), ...bursts, speechLikeMulaw({ durationMs: 1200 }), silenceMulaw(3000)]));
    expect(detector.decision).toEqual({ verdict: 'human', reason: 'timeout', atMs: 2900 });
  });

  it('honours a later bound it is given', () => {
    const detector = run(Buffer.concat([silenceMulaw(500), speechLikeMulaw({ durationMs: 1500 }), silenceMulaw(500), speechLikeMulaw({ durationMs: 1500 }), silenceMulaw(3000)]), new AnsweringMachineDetector({ maxAnalysisMs: 6000, greetingSpeechMs: 5000 }));
    expect(detector.decision).toMatchObject({ verdict: 'human', reason: 'short_answer' });
    expect(detector.decision!.atMs).toBeGreaterThan(2900);
  });

  it('with words from speech-to-text, hears a long answer to its pause instead of calling it a greeting by length', () => {
    // "Hello, this is Nina from the billing office, who is this?": 3 s of speech from 0.5 s.
    const detector = new AnsweringMachineDetector();
    const audio = Buffer.concat([silenceMulaw(500), speechLikeMulaw({ durationMs: 3000 }), silenceMulaw(2000)]);
    for (const [i, frame] of sliceFrames(audio).entries()) {
      if (i === 50) expect(detector.pushTranscript('hello this is nina')).toBeNull();
      if (i === 120) expect(detector.pushTranscript('hello this is nina from the billing office')).toBeNull();
      detector.pushAudio(frame);
      if (detector.decision) break;
    }
    // The audio alone calls it a machine at 2.4 s (its stretch passes 1.9 s).
    expect(run(audio).decision).toMatchObject({ verdict: 'machine', reason: 'long_greeting' });
    expect(detector.decision).toEqual({ verdict: 'human', reason: 'short_answer', atMs: 4300 });
  });

  /** Eight seconds of talk whose words (at 0.8 s) name nobody: "hi this is tom". */
  function wordedTalk(detector: AnsweringMachineDetector): AnsweringMachineDetector {
    const audio = Buffer.concat([silenceMulaw(300), speechLikeMulaw({ durationMs: 8000 })]);
    for (const [i, frame] of sliceFrames(audio).entries()) {
      if (i === 40) detector.pushTranscript('hi this is tom');
      detector.pushAudio(frame);
      if (detector.decision) break;
    }
    return detector;
  }

  it('with words but no stock phrase, calls a voice still talking at the later bound a machine', () => {
    expect(wordedTalk(new AnsweringMachineDetector()).decision).toEqual({ verdict: 'machine', reason: 'timeout', atMs: 4500 });
  });

  it('gives every verdict by maxVerdictMs when capped: with words, from the audio alone, and when nobody speaks', () => {
    expect(wordedTalk(new AnsweringMachineDetector({ maxVerdictMs: 2500 })).decision).toEqual({ verdict: 'machine', reason: 'timeout', atMs: 2500 });
    // The cap only lowers a bound: a later one than the detector's own changes nothing.
    expect(run(silenceMulaw(6000), new AnsweringMachineDetector({ maxVerdictMs: 2000 })).decision).toEqual({ verdict: 'unknown', reason: 'no_speech', atMs: 2000 });
    expect(run(silenceMulaw(6000), new AnsweringMachineDetector({ maxVerdictMs: 4500 })).decision).toEqual({ verdict: 'unknown', reason: 'no_speech', atMs: 2900 });
    // "Hello?" and a wait is still a person at its pause, well inside the cap.
    const person = run(Buffer.concat([silenceMulaw(300), speechLikeMulaw({ durationMs: 300 }), silenceMulaw(3000)]), new AnsweringMachineDetector({ maxVerdictMs: 1500 }));
    expect(person.decision).toEqual({ verdict: 'human', reason: 'short_answer', atMs: 1400 });
    // A longer one still pausing at the cap is called by that pause.
    const pausing = run(Buffer.concat([silenceMulaw(300), speechLikeMulaw({ durationMs: 500 }), silenceMulaw(3000)]), new AnsweringMachineDetector({ maxVerdictMs: 1500 }));
    expect(pausing.decision).toEqual({ verdict: 'human', reason: 'timeout', atMs: 1500 });
  });

  it('takes the transcript wording into account', () => {
    const machine = new AnsweringMachineDetector();
    machine.pushAudio(speechLikeMulaw({ durationMs: 20 }));
    expect(machine.pushTranscript('Hi, please leave a message after the tone')).toMatchObject({ verdict: 'machine', reason: 'wording' });
    const person = new AnsweringMachineDetector();
    expect(person.pushTranscript('yeah hello who is calling please')).toMatchObject({ verdict: 'human', reason: 'wording' });
    expect(soundsLikeGreeting("Hi you've reached Sam")).toBe(true);
    expect(soundsLikeGreeting('hello?')).toBe(false);
    expect(soundsLikePerson('who is this')).toBe(true);
  });
});
