// espeak-ng TTS against a stand-in command (and the real one when installed).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { levelDbOf } from '../../../media/signal.js';
import { recordEvents } from '../../stt/contract.js';
import type { TtsEvent } from '../types.js';
import { createEspeakTts, isEspeakAvailable } from './index.js';
import { parseWav, writeWav } from '../../../media/wav.js';

const hasEspeak = await isEspeakAvailable();

/**
 * A stand-in for the espeak-ng command line: reads the text on stdin, logs its arguments,
 * and writes a streamed WAV (sizes left as placeholders, as espeak-ng does on a pipe) of a
 * 500 Hz tone lasting 60 ms a character at 22.05 kHz. "CRASH" exits 3; "SLOW" waits 2 s.
 */
const dir = mkdtempSync(join(tmpdir(), 'parley-espeak-'));
const fakeCommand = join(dir, 'espeak-ng');
const logFile = join(dir, 'calls.log');
writeFileSync(
  fakeCommand,
  `#!${process.execPath}
const fs = require('node:fs');
let text = '';
process.stdin.on('data', (d) => (text += d));
process.stdin.on('end', () => {
  fs.appendFileSync(${JSON.stringify(logFile)}, JSON.stringify({ args: process.argv.slice(2), text }) + '\\n');
  if (text.includes('CRASH')) process.exit(3);
  const rate = 22050, count = Math.round(rate * 0.06 * [...text].length);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(0xffffffff, 4); header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24); header.writeUInt32LE(rate * 2, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34);
  header.write('data', 36); header.writeUInt32LE(0xffffffff, 40);
  const body = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) body.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 500 * i / rate)), i * 2);
  setTimeout(() => process.stdout.write(Buffer.concat([header, body])), text.includes('SLOW') ? 2000 : 0);
});
`,
);
chmodSync(fakeCommand, 0o755);
const calls = (): Array<{ args: string[]; text: string }> =>
  readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { args: string[]; text: string });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flushed = (events: TtsEvent[]) => events.filter((e) => e.type === 'flushed').length;
const audioOf = (events: TtsEvent[]) => Buffer.concat(events.flatMap((e) => (e.type === 'audio' ? [e.payload] : [])));

describe('parseWav / writeWav', () => {
  it('round-trips 16-bit mono PCM and reads placeholder sizes as "the rest"', () => {
    const samples = Int16Array.from([0, 1000, -1000, 32767, -32768]);
    const wav = writeWav(samples, 22_050);
    expect(parseWav(wav)).toEqual({ samples, sampleRateHz: 22_050 });
    wav.writeUInt32LE(0xffffffff, 40);
    expect(parseWav(wav).samples).toEqual(samples);
    expect(() => parseWav(Buffer.from('not a wav at all'))).toThrow(/RIFF/);
  });
});

describe('espeak TTS (against a stand-in command)', () => {
  const open = (streamOptions = {}) => {
    const stream = createEspeakTts({ command: fakeCommand }).openStream(streamOptions, new AbortController().signal);
    return { stream, recorder: recordEvents(stream) };
  };

  it('runs espeak-ng with the text on stdin and turns its WAV into 8 kHz μ-law', async () => {
    const { stream, recorder } = open();
    stream.pushText('Hello ');
    stream.pushText('there.');
    stream.flush();
    const events = await recorder.until((e) => flushed(e) === 1);
    expect(calls().at(-1)).toEqual({ args: ['--stdout', '-v', 'en-us', '-s', '165', '--stdin'], text: 'Hello there.' });
    const audio = audioOf(events);
    // 12 characters at 60 ms, resampled from 22.05 kHz: 720 ms of μ-law.
    expect(audio.length).toBeGreaterThanOrEqual(5750);
    expect(audio.length).toBeLessThanOrEqual(5760);
    expect(levelDbOf(audio.subarray(800, 4800))).toBeCloseTo(20 * Math.log10(8000 / 32768 / Math.SQRT2), 0);
    expect(events.at(-1)).toEqual({ type: 'flushed' });
    await stream.close();
  });

  it('takes the voice from the stream language, and answers an empty flush at once', async () => {
    const { stream, recorder } = open({ language: 'fr-FR' });
    stream.flush();
    stream.pushText('Bonjour.');
    stream.flush();
    const events = await recorder.until((e) => flushed(e) === 2);
    expect(events[0]).toEqual({ type: 'flushed' });
    expect(calls().at(-1)!.args.slice(1, 3)).toEqual(['-v', 'fr-fr']);
    await stream.close();
  });

  it('cancel() kills the running synthesis and the next text is spoken at once', async () => {
    const { stream, recorder } = open();
    const started = Date.now();
    stream.pushText('SLOW and long');
    stream.flush();
    stream.cancel();
    stream.pushText('Okay.');
    stream.flush();
    const events = await recorder.until((e) => flushed(e) === 1);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(audioOf(events).length).toBeCloseTo(5 * 60 * 8, -2);
    await stream.close();
  });

  it('reports a crash as a retryable server error', async () => {
    const { stream, recorder } = open();
    stream.pushText('CRASH');
    stream.flush();
    await recorder.done;
    expect(recorder.events).toEqual([{ type: 'error', error: expect.objectContaining({ provider: 'espeak', category: 'server', retryable: true }) }]);
  });

  it('reports a missing binary as a permanent error', async () => {
    const stream = createEspeakTts({ command: join(dir, 'no-such-espeak') }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('Hello');
    stream.flush();
    await recorder.done;
    expect(recorder.events).toEqual([{ type: 'error', error: expect.objectContaining({ category: 'invalid_request', retryable: false }) }]);
    expect(await isEspeakAvailable(join(dir, 'no-such-espeak'))).toBe(false);
  });
});

describe('espeak TTS (the real espeak-ng)', () => {
  it.skipIf(!hasEspeak)('speaks a sentence as audible 8 kHz μ-law', async () => {
    const stream = createEspeakTts().openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    stream.pushText('Hello from Parley.');
    stream.flush();
    const events = await recorder.until((e) => flushed(e) === 1, 10_000);
    const audio = audioOf(events);
    expect(audio.length).toBeGreaterThan(4000);
    expect(levelDbOf(audio)).toBeGreaterThan(-40);
    await stream.close();
  });
});
