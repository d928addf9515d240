// Scripted speech: text in audio survives re-chunking, padding, loss and truncation.
import { describe, expect, it } from 'vitest';
import {
  ScriptedSpeechDecoder,
  ScriptedSpeechEncoder,
  decodeScriptedSpeech,
  encodeScriptedSpeech,
  msPerCharOf,
} from './scripted-speech.js';
import { FrameChunker } from '../voice/audio/frame-chunker.js';
import { silenceMulaw, sineMulaw, sliceFrames, speechLikeMulaw } from './signal.js';
import { createVad } from '../voice/audio/vad.js';

const sentence = 'Hello, this is Parley calling about your appointment.';

describe('scripted speech', () => {
  it('round-trips text, including repeated letters and non-ASCII characters', () => {
    for (const text of [sentence, 'aaa bookkeeper', 'Grüße, José! 你好 👋', ' ']) {
      expect(decodeScriptedSpeech(encodeScriptedSpeech(text))).toBe(text);
    }
  });

  it('lasts as long as the speaking pace says (65 ms per character by default)', () => {
    const audio = encodeScriptedSpeech('Hello there');
    expect(audio.length / 8).toBeCloseTo(11 * 65, 0);
    expect(msPerCharOf({ wordsPerMinute: 150 })).toBeCloseTo(66.67, 1);
    const fast = new ScriptedSpeechEncoder({ wordsPerMinute: 300 });
    expect(fast.encode('abcdefghij').length / 8).toBeCloseTo(fast.durationMsOf('abcdefghij'), 0);
    expect(() => msPerCharOf({ msPerChar: 1 })).toThrow(RangeError);
  });

  it('survives re-chunking into 20 ms frames with a padded final frame', () => {
    const chunker = new FrameChunker();
    const frames = [...chunker.push(encodeScriptedSpeech(sentence)), chunker.flush()!];
    const decoder = new ScriptedSpeechDecoder();
    expect(frames.map((frame) => decoder.push(frame)).join('')).toBe(sentence);
  });

  it('survives odd chunk sizes and text encoded piece by piece', () => {
    const encoder = new ScriptedSpeechEncoder({ msPerChar: 30 });
    const audio = Buffer.concat(['Hello ', 'there', ', friend.'].map((piece) => encoder.encode(piece)));
    const decoder = new ScriptedSpeechDecoder();
    let text = '';
    for (let offset = 0; offset < audio.length; offset += 37) text += decoder.push(audio.subarray(offset, offset + 37));
    expect(text).toBe('Hello there, friend.');
  });

  it('survives padding inserted mid-stream and a lost 20 ms frame', () => {
    const audio = encodeScriptedSpeech(sentence);
    const frames = sliceFrames(audio);
    const damaged = Buffer.concat([
      ...frames.slice(0, 10),
      Buffer.alloc(100, 0xff),
      ...frames.slice(10, 30),
      ...frames.slice(31),
    ]);
    expect(decodeScriptedSpeech(damaged)).toBe(sentence);
  });

  it('decodes truncated audio to the characters that were heard', () => {
    const audio = encodeScriptedSpeech('Good morning, Sam');
    expect(decodeScriptedSpeech(audio.subarray(0, 4 * 65 * 8 + 2))).toBe('Good');
    // Half of the space's slot is plenty to hear it: a character needs only two packets.
    expect(decodeScriptedSpeech(audio.subarray(0, Math.round(4.5 * 65 * 8)))).toBe('Good ');
    expect(decodeScriptedSpeech(audio.subarray(0, 13 * 65 * 8 + 2))).toBe('Good morning,');
  });

  it('does not hear text in tones, speech-like audio or noise', () => {
    let seed = 7;
    const noise = Buffer.from(Array.from({ length: 16_000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    const clipped = sineMulaw({ durationMs: 1000, amplitude: 1.5 });
    for (const audio of [sineMulaw({ durationMs: 1000 }), speechLikeMulaw({ durationMs: 1000 }), noise, clipped]) {
      expect(decodeScriptedSpeech(audio)).toBe('');
    }
  });

  it('keeps utterances apart after a pause even when they repeat the same words', () => {
    const decoder = new ScriptedSpeechDecoder();
    const first = decoder.push(Buffer.concat([encodeScriptedSpeech('yes'), silenceMulaw(100)]));
    const second = decoder.push(encodeScriptedSpeech('yes'));
    expect([first, second]).toEqual(['yes', 'yes']);
    expect(decoder.lastCharAtMs).toBeGreaterThan(0);
  });

  it('is loud enough for the VAD to hear as speech', () => {
    const vad = createVad();
    const transitions = sliceFrames(Buffer.concat([encodeScriptedSpeech('Hi there'), silenceMulaw(400)]))
      .map((frame) => vad.process(frame))
      .filter(Boolean);
    expect(transitions).toEqual(['speech_start', 'speech_end']);
    expect(vad.speechEndMs).toBe(8 * 65);
  });
});
