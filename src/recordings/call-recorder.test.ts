import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silenceMulaw, sineMulaw, sliceFrames } from '../media/signal.js';
import { CallRecorder } from './call-recorder.js';
import { createLocalRecordingStorage } from './local-storage.js';
import { declaredDataBytes, recordingHeader, repairedDataBytes } from './wav-header.js';

const root = await mkdtemp(join(tmpdir(), 'parley-rec-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const storage = createLocalRecordingStorage(root);

/** RMS of one channel of a 16-bit stereo WAV between two times. */
function rms(wav: Buffer, channel: 0 | 1, fromMs: number, toMs: number): number {
  let sum = 0;
  let count = 0;
  for (let i = (fromMs * 8) | 0; i < ((toMs * 8) | 0); i++) {
    const at = 44 + i * 4 + channel * 2;
    if (at + 2 > wav.length) break;
    const v = wav.readInt16LE(at);
    sum += v * v;
    count++;
  }
  return count ? Math.sqrt(sum / count) : 0;
}

/** The line's clock, moved by the test. */
function lineClock() {
  const clock = { ms: 0, elapsedMs: () => clock.ms };
  return clock;
}

describe('CallRecorder', () => {
  it('puts the callee left and the agent right at the times they were heard', async () => {
    const clock = lineClock();
    const recorder = new CallRecorder(await storage.begin('org_a/call_1.wav', 44), clock);
    const calleeSpeech = sliceFrames(sineMulaw({ durationMs: 1000, frequencyHz: 300 }));
    const quiet = sliceFrames(silenceMulaw(1000));
    // A frame arrives as its 20 ms end.
    for (const frame of calleeSpeech) (clock.ms += 20), recorder.calleeAudio(frame);
    // The agent answers: 1 s of audio sent ahead of time, then the callee's clock runs through it.
    for (const frame of sliceFrames(sineMulaw({ durationMs: 1000, frequencyHz: 500 }))) recorder.agentAudio(frame);
    for (const frame of quiet) (clock.ms += 20), recorder.calleeAudio(frame);
    const summary = await recorder.finish();
    expect(summary).toMatchObject({ key: 'org_a/call_1.wav', durationMs: 2000, sizeBytes: 44 + 16000 * 4 });

    const wav = await readFile(join(root, 'org_a', 'call_1.wav'));
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt16LE(22)).toBe(2);
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(declaredDataBytes(wav)).toBe(16000 * 4);
    expect(rms(wav, 0, 50, 950)).toBeGreaterThan(3000);
    expect(rms(wav, 1, 50, 950)).toBe(0);
    expect(rms(wav, 0, 1050, 1950)).toBeLessThan(50);
    expect(rms(wav, 1, 1050, 1950)).toBeGreaterThan(3000);
  });

  it('cuts the agent channel where a barge-in stopped the callee hearing it', async () => {
    const clock = lineClock();
    const recorder = new CallRecorder(await storage.begin('org_a/call_2.wav', 44), clock);
    // 3 s of agent speech queued at once; the callee talks over it after 1 s and the buffer is cleared.
    for (const frame of sliceFrames(sineMulaw({ durationMs: 3000, frequencyHz: 500 }))) recorder.agentAudio(frame);
    for (const frame of sliceFrames(silenceMulaw(1000))) (clock.ms += 20), recorder.calleeAudio(frame);
    recorder.cutAgent();
    for (const frame of sliceFrames(sineMulaw({ durationMs: 2000, frequencyHz: 300 }))) (clock.ms += 20), recorder.calleeAudio(frame);
    await recorder.finish();
    const wav = await readFile(join(root, 'org_a', 'call_2.wav'));
    expect(rms(wav, 1, 0, 980)).toBeGreaterThan(3000);
    expect(rms(wav, 1, 1000, 3000)).toBe(0);
    expect(rms(wav, 0, 1050, 2950)).toBeGreaterThan(3000);
  });

  it('ends where the line ended: agent audio still in the carrier\'s buffer when the callee hung up is not on the record', async () => {
    const clock = lineClock();
    const recorder = new CallRecorder(await storage.begin('org_a/call_4.wav', 44), clock);
    const agentSpeech = sliceFrames(sineMulaw({ durationMs: 2000, frequencyHz: 500 }));
    let sent = 0;
    // The agent's audio goes out 300 ms ahead of playing, as the playout sends it; the callee hangs up at 1.5 s.
    for (let ms = 0; ms < 1500; ms += 20) {
      while (sent < agentSpeech.length && sent * 20 < ms + 300) recorder.agentAudio(agentSpeech[sent++]!);
      clock.ms += 20;
      recorder.calleeAudio(sliceFrames(silenceMulaw(20))[0]!);
    }
    const summary = await recorder.finish();
    expect(summary!.durationMs).toBe(1500);
    const wav = await readFile(join(root, 'org_a', 'call_4.wav'));
    expect(declaredDataBytes(wav)).toBe(1500 * 8 * 4);
    expect(rms(wav, 1, 0, 1500)).toBeGreaterThan(3000);
  });

  it('keeps time and writes as it goes on a line that stops sending the callee\'s frames (15 minutes of agent turns)', async () => {
    const clock = lineClock();
    const upload = await storage.begin('org_a/call_5.wav', 44);
    let writtenBytes = 0;
    const recorder = new CallRecorder({ ...upload, write: async (chunk: Buffer) => ((writtenBytes += chunk.length), upload.write(chunk)) }, clock);
    const tone = sliceFrames(sineMulaw({ durationMs: 100, frequencyHz: 500 }));
    let mostBuffered = 0;
    // Every 5 s the agent says 2 s (sent 100 ms at a time, 200 ms ahead); the browser sends nothing.
    for (let ms = 0; ms < 15 * 60_000; ms += 100) {
      const inTurn = ms % 5000;
      if (inTurn < 2000) for (const frame of tone) recorder.agentAudio(frame);
      clock.ms += 100;
      mostBuffered = Math.max(mostBuffered, recorder.bufferedSamples);
    }
    // Memory holds a few seconds, not the call; storage has all but the last turn and the quiet since.
    expect(mostBuffered).toBeLessThan(4 * 8000);
    await recorder.drained();
    expect(writtenBytes).toBeGreaterThan((15 * 60 - 8) * 8000 * 4);
    const summary = await recorder.finish();
    expect(summary!.durationMs).toBe(15 * 60_000);
    const wav = await readFile(join(root, 'org_a', 'call_5.wav'));
    // The turns are where they were said, 7 minutes in as at the start: speech, then 3 s of quiet.
    for (const at of [0, 7 * 60_000]) {
      expect(rms(wav, 1, at + 100, at + 1900)).toBeGreaterThan(3000);
      expect(rms(wav, 1, at + 2100, at + 4900)).toBe(0);
    }
    expect(rms(wav, 0, 0, 60_000)).toBe(0);
  });

  it('places frames a stalled line delivers late, in a burst, where they belong', async () => {
    const clock = lineClock();
    const recorder = new CallRecorder(await storage.begin('org_a/call_7.wav', 44), clock);
    for (const frame of sliceFrames(sineMulaw({ durationMs: 1000, frequencyHz: 300 }))) (clock.ms += 20), recorder.calleeAudio(frame);
    // 1.5 s with no callee frame while the agent talks; then the held frames arrive at once.
    const agentSpeech = sliceFrames(sineMulaw({ durationMs: 1500, frequencyHz: 500 }));
    for (let i = 0; i < agentSpeech.length; i++) recorder.agentAudio(agentSpeech[i]!), (clock.ms += 20);
    for (const frame of sliceFrames(silenceMulaw(1500))) recorder.calleeAudio(frame);
    for (const frame of sliceFrames(silenceMulaw(1000))) (clock.ms += 20), recorder.calleeAudio(frame);
    expect((await recorder.finish())!.durationMs).toBe(3500);
    const wav = await readFile(join(root, 'org_a', 'call_7.wav'));
    expect(rms(wav, 0, 50, 950)).toBeGreaterThan(3000);
    expect(rms(wav, 1, 1050, 2450)).toBeGreaterThan(3000);
    expect(rms(wav, 1, 2550, 3500)).toBe(0);
  });

  it('stores nothing for a line that carried no audio either way', async () => {
    const clock = lineClock();
    const recorder = new CallRecorder(await storage.begin('org_a/call_6.wav', 44), clock);
    clock.ms += 40;
    expect(await recorder.finish()).toBeNull();
    expect(await storage.stat('org_a/call_6.wav')).toBeNull();
    expect(await storage.unfinished()).not.toContain('org_a/call_6.wav');
  });

  it('writes while the call runs instead of holding the call in memory', async () => {
    const upload = await storage.begin('org_a/call_3.wav', 44);
    const written: number[] = [];
    const spy = { ...upload, write: async (chunk: Buffer) => (written.push(chunk.length), upload.write(chunk)) };
    const clock = lineClock();
    const recorder = new CallRecorder(spy, clock);
    for (const frame of sliceFrames(silenceMulaw(10_000))) (clock.ms += 20), recorder.calleeAudio(frame);
    // Each full second goes to storage as soon as the callee's clock passes it.
    await recorder.drained();
    expect(written.reduce((a, b) => a + b, 0)).toBe(10 * 8000 * 4);
    await recorder.finish();
    expect(written.length).toBe(10);
  });
});

describe('local recording storage', () => {
  it('serves byte ranges and deletes', async () => {
    const upload = await storage.begin('org_b/call_r.wav', 4);
    await upload.write(Buffer.from('abcdefgh'));
    await upload.complete(Buffer.from('HEAD'));
    expect(await storage.stat('org_b/call_r.wav')).toEqual({ key: 'org_b/call_r.wav', sizeBytes: 12 });
    const chunks: Buffer[] = [];
    for await (const chunk of (await storage.read('org_b/call_r.wav', { start: 2, end: 5 }))!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('ADab');
    expect(await storage.delete('org_b/call_r.wav')).toBe(true);
    expect(await storage.stat('org_b/call_r.wav')).toBeNull();
    expect(await storage.read('org_b/call_r.wav')).toBeNull();
    expect(await storage.delete('org_b/call_r.wav')).toBe(false);
  });

  it('repairs a recording a crash left unfinished', async () => {
    const upload = await storage.begin('org_c/call_x.wav', 44);
    await upload.write(Buffer.alloc(8000 * 4 + 3, 1)); // a second of audio and a torn sample frame
    // The process dies here: no complete(). At the next start:
    expect(await storage.unfinished()).toContain('org_c/call_x.wav');
    const repaired = await storage.recover('org_c/call_x.wav', (size) => recordingHeader(repairedDataBytes(size)));
    expect(repaired).toEqual({ key: 'org_c/call_x.wav', sizeBytes: 44 + 8000 * 4 + 3 });
    const wav = await readFile(join(root, 'org_c', 'call_x.wav'));
    expect(declaredDataBytes(wav)).toBe(8000 * 4);
    expect(await storage.unfinished()).not.toContain('org_c/call_x.wav');
  });

  it('refuses keys that would leave its folder', async () => {
    await expect(storage.begin('../etc/x.wav', 44)).rejects.toThrow(RangeError);
    await expect(storage.stat('a/../../b.wav')).rejects.toThrow(RangeError);
    await writeFile(join(root, 'stray.partial'), 'x');
    expect(await storage.unfinished()).not.toContain('stray');
  });
});
