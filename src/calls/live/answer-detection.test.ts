// Who answered a live call: Parley's detector on the line's frames and words, the carrier's verdicts, the message cue.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AudioLine } from '../../media/audio-line.js';
import type { Frame } from '../../media/frames.js';
import { realLineClock } from '../../media/line-clock.js';
import { MULAW_SILENCE } from '../../media/mulaw.js';
import { silenceMulaw, sineMulaw, speechLikeMulaw } from '../../media/signal.js';
import { AsyncQueue } from '../../shared/async-queue.js';
import type { AnswerVerdict } from '../../conversation/voicemail.js';
import { AnswerDetection, type MessageCueRecord } from './answer-detection.js';

const greeting = readFileSync(new URL('../../telephony/sim/audio/recordings/voicemail-greeting.ulaw', import.meta.url));
const machineAudio = Buffer.concat([greeting, Buffer.alloc(4800, MULAW_SILENCE), sineMulaw({ durationMs: 400, frequencyHz: 1000 }), Buffer.alloc(8000, MULAW_SILENCE)]);

function lineOf(audio: Buffer): { line: AudioLine; queue: AsyncQueue<Frame> } {
  const queue = new AsyncQueue<Frame>();
  for (let at = 0; at + 160 <= audio.length; at += 160) queue.push({ kind: 'audio', payload: audio.subarray(at, at + 160), timestampMs: at / 8 });
  return { line: { mode: 'audio', frames: queue, send: () => undefined, hangUp: () => undefined }, queue };
}

function detection(mode: 'off' | 'carrier' | 'parley') {
  const verdicts: AnswerVerdict[] = [];
  const cues: MessageCueRecord[] = [];
  const answer = new AnswerDetection({ detection: mode, clock: realLineClock, onVerdict: (v) => verdicts.push(v), onCue: (c) => cues.push(c) });
  return { answer, verdicts, cues };
}

/** Reads the tapped line's frames as the lane would, until `stop` says so or the frames end. */
async function consume(line: AudioLine, stop: () => boolean = () => false): Promise<number> {
  let frames = 0;
  for await (const frame of line.frames) {
    if (frame.kind === 'audio') frames++;
    if (stop()) break;
  }
  return frames;
}

describe('AnswerDetection', () => {
  it("hears a machine's greeting through the line, holds until the verdict, then cues the message at the beep's end", async () => {
    const { answer, verdicts, cues } = detection('parley');
    const { line, queue } = lineOf(machineAudio);
    answer.carrierAnswered('unknown');
    const tapped = answer.tap(line);
    expect(answer.held).not.toBeNull();
    const reading = consume(tapped, () => cues.length > 0);
    await answer.held;
    expect(answer.machine()).toBe(true);
    expect(verdicts).toEqual([{ verdict: 'machine', source: 'parley', reason: 'long_greeting', timeToVerdictMs: expect.any(Number) }]);
    expect(verdicts[0]!.timeToVerdictMs).toBeLessThan(3000);
    await answer.messageCue;
    await reading;
    queue.end();
    expect(cues).toHaveLength(1);
    expect(cues[0]!.reason).toBe('beep');
    // The beep ends 600 ms of quiet and 400 ms of tone after the 7.35 s greeting.
    expect(cues[0]!.atMs).toBeGreaterThanOrEqual(8300);
    expect(cues[0]!.atMs).toBeLessThan(8500);
  });

  it('releases a short greeting as a person, then on its beep turns the verdict into a machine and cues the message', async () => {
    const { answer, verdicts, cues } = detection('parley');
    const shortGreeting = Buffer.concat([speechLikeMulaw({ durationMs: 1200 }), silenceMulaw(1200), sineMulaw({ durationMs: 500, frequencyHz: 1000, amplitude: 0.4 }), silenceMulaw(1000)]);
    const { line, queue } = lineOf(shortGreeting);
    const reading = consume(answer.tap(line), () => cues.length > 0);
    expect(await answer.decided).toMatchObject({ verdict: 'human', reason: 'short_answer' });
    await answer.machineDetected;
    expect(answer.machine()).toBe(true);
    expect(verdicts.map((v) => [v.verdict, v.reason, v.revised ?? false])).toEqual([['human', 'short_answer', false], ['machine', 'beep', true]]);
    await answer.messageCue;
    await reading;
    queue.end();
    expect(cues).toEqual([{ reason: 'beep', atMs: expect.any(Number) }]);
    expect(cues[0]!.atMs).toBeGreaterThanOrEqual(2900);
  });

  it("lets a person's wording decide before the audio does", async () => {
    const { answer, verdicts } = detection('parley');
    const { line, queue } = lineOf(Buffer.alloc(1600, MULAW_SILENCE));
    void consume(answer.tap(line));
    answer.hear('Hello, who is this?');
    expect(await answer.decided).toEqual({ verdict: 'human', source: 'parley', reason: 'wording', timeToVerdictMs: expect.any(Number) });
    expect(answer.machine()).toBe(false);
    expect(verdicts).toHaveLength(1);
    queue.end();
  });

  it('takes a key pressed during the hold as a person, releasing the greeting before the audio could decide', async () => {
    const { answer, verdicts } = detection('parley');
    // 1.2 s of a voice still talking: too soon for the audio, which waits for a pause or the bound.
    const { line, queue } = lineOf(speechLikeMulaw({ durationMs: 1200 }));
    queue.push({ kind: 'dtmf', digit: '1' });
    const frames: Frame[] = [];
    const reading = (async () => {
      for await (const frame of answer.tap(line).frames) {
        frames.push(frame);
        if (frame.kind === 'dtmf') break;
      }
    })();
    expect(await answer.decided).toEqual({ verdict: 'human', source: 'parley', reason: 'keypad', timeToVerdictMs: 1200 });
    await reading;
    queue.end();
    expect(frames.at(-1)).toEqual({ kind: 'dtmf', digit: '1' });
    expect(verdicts).toHaveLength(1);
  });

  it('leaves a key pressed after a machine verdict alone, and never decides on keys under carrier detection', async () => {
    const parley = detection('parley');
    const { line, queue } = lineOf(machineAudio);
    queue.push({ kind: 'dtmf', digit: '5' });
    queue.end();
    await consume(parley.answer.tap(line));
    expect(parley.verdicts.map((v) => [v.verdict, v.reason])).toEqual([['machine', 'long_greeting']]);

    const carrier = detection('carrier');
    const keyed = lineOf(Buffer.alloc(1600, MULAW_SILENCE));
    keyed.queue.push({ kind: 'dtmf', digit: '5' });
    keyed.queue.end();
    await consume(carrier.answer.tap(keyed.line));
    expect(carrier.verdicts).toEqual([]);
  });

  it('reports a beep that comes after a message cued by quiet, once, and only within its window', async () => {
    const pausedGreeting = (pauseMs: number) =>
      Buffer.concat([greeting, silenceMulaw(pauseMs), sineMulaw({ durationMs: 400, frequencyHz: 1000 }), silenceMulaw(1000), sineMulaw({ durationMs: 400, frequencyHz: 1000 }), silenceMulaw(500)]);
    const late: MessageCueRecord[] = [];
    const answer = new AnswerDetection({ detection: 'parley', clock: realLineClock, onVerdict: () => undefined, onCue: () => undefined, onLateBeep: (beep) => late.push(beep) });
    const { line, queue } = lineOf(pausedGreeting(2500));
    queue.end();
    await consume(answer.tap(line));
    await answer.lateBeep;
    // Quiet for 1.5 s cued the message; the beep that ended 2.9 s after the greeting is the late one; the second beep is not.
    expect(late).toHaveLength(1);
    expect(late[0]!.reason).toBe('beep');

    const tooLate: MessageCueRecord[] = [];
    const patient = new AnswerDetection({
      detection: 'parley', clock: realLineClock, lateBeepMs: 500, onVerdict: () => undefined, onCue: () => undefined, onLateBeep: (beep) => tooLate.push(beep),
    });
    const second = lineOf(pausedGreeting(2500));
    second.queue.end();
    await consume(patient.tap(second.line));
    expect(tooLate).toEqual([]);
  });

  it("hears a late beep after the carrier's machine_end_silence too", async () => {
    const late: MessageCueRecord[] = [];
    const answer = new AnswerDetection({ detection: 'carrier', clock: realLineClock, onVerdict: () => undefined, onCue: () => undefined, onLateBeep: (beep) => late.push(beep) });
    answer.carrierAnswered('unknown');
    const { line, queue } = lineOf(Buffer.concat([silenceMulaw(1000), sineMulaw({ durationMs: 400, frequencyHz: 1000 }), silenceMulaw(500)]));
    queue.end();
    const tapped = answer.tap(line);
    answer.carrierDetected('machine', 'silence', 'machine_end_silence');
    await consume(tapped);
    await answer.lateBeep;
    expect(late).toEqual([{ reason: 'beep', atMs: expect.any(Number) }]);
  });

  it('listens for no late beep after a message cued by the beep itself', async () => {
    const late: MessageCueRecord[] = [];
    const answer = new AnswerDetection({ detection: 'parley', clock: realLineClock, onVerdict: () => undefined, onCue: () => undefined, onLateBeep: (beep) => late.push(beep) });
    const { line, queue } = lineOf(Buffer.concat([machineAudio, sineMulaw({ durationMs: 400, frequencyHz: 1000 }), silenceMulaw(500)]));
    queue.end();
    await consume(answer.tap(line));
    expect(late).toEqual([]);
  });

  it("takes the carrier's verdict at answer and its greeting end from the async AMD", async () => {
    const { answer, verdicts, cues } = detection('carrier');
    expect(answer.held).toBeNull();
    answer.carrierAnswered('unknown');
    expect(answer.current).toBeNull();
    answer.carrierDetected('machine', 'silence', 'machine_end_silence');
    await answer.machineDetected;
    await answer.messageCue;
    expect(verdicts).toEqual([{ verdict: 'machine', source: 'carrier', reason: 'machine_end_silence', timeToVerdictMs: expect.any(Number) }]);
    expect(cues).toEqual([{ reason: 'silence', atMs: expect.any(Number) }]);
  });

  it("waits after a carrier's machine_start for the detector to hear the greeting end", async () => {
    const { answer, cues } = detection('carrier');
    answer.carrierAnswered('unknown');
    const { line, queue } = lineOf(machineAudio);
    const tapped = answer.tap(line);
    answer.carrierDetected('machine', null, 'machine_start');
    expect(answer.machine()).toBe(true);
    expect(cues).toEqual([]);
    await consume(tapped, () => cues.length > 0);
    queue.end();
    expect(cues[0]).toMatchObject({ reason: 'beep' });
  });

  it("caps the wait for a greeting end in audio heard when the detector never heard a machine", async () => {
    const cues: MessageCueRecord[] = [];
    const answer = new AnswerDetection({ detection: 'carrier', clock: realLineClock, maxGreetingMs: 1000, onVerdict: () => undefined, onCue: (c) => cues.push(c) });
    answer.carrierAnswered('unknown');
    const { line, queue } = lineOf(Buffer.alloc(8000 * 3, MULAW_SILENCE));
    const tapped = answer.tap(line);
    answer.carrierDetected('machine', null, 'machine_start');
    let frames = 0;
    for await (const frame of tapped.frames) {
      if (frame.kind === 'audio') frames++;
      if (cues.length > 0) break;
    }
    queue.end();
    expect(cues).toEqual([{ reason: 'timeout', atMs: expect.any(Number) }]);
    expect(frames).toBe(50);
  });

  it('decides nothing and holds nothing with detection off', async () => {
    const { answer, verdicts } = detection('off');
    const { line } = lineOf(machineAudio);
    expect(answer.tap(line)).toBe(line);
    expect(answer.held).toBeNull();
    answer.carrierAnswered('machine');
    expect(await answer.decided).toBeNull();
    expect(verdicts).toEqual([]);
  });

  it('releases whoever waits when the call ends before a verdict', async () => {
    const { answer, verdicts } = detection('parley');
    const { line, queue } = lineOf(Buffer.alloc(160, MULAW_SILENCE));
    const reading = consume(answer.tap(line));
    queue.end();
    await reading;
    expect(await answer.decided).toBeNull();
    await answer.held;
    expect(verdicts).toEqual([]);
  });
});
