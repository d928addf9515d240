// Scripted STT: the shared contract, audio-time events, idle endpointing, scripted failures.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSttContract, recordEvents, speakInto } from '../contract.js';
import { createScriptedStt } from './index.js';
import { ScriptedRecognizer } from './recognizer.js';
import { encodeScriptedSpeech } from '../../../media/scripted-speech.js';
import { silenceMulaw, speechLikeMulaw } from '../../../media/signal.js';

runSttContract('scripted', async () => ({ provider: createScriptedStt() }));

describe('scripted STT', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times events in audio time, whatever the chunking', () => {
    const recognizer = new ScriptedRecognizer({ endpointingMs: 300, utteranceEndMs: 1000 });
    const audio = Buffer.concat([silenceMulaw(500), encodeScriptedSpeech('Hi Sam'), silenceMulaw(1500)]);
    const events = [];
    for (let offset = 0; offset < audio.length; offset += 333) events.push(...recognizer.push(audio.subarray(offset, offset + 333)));
    expect(events).toEqual([
      { type: 'speech_started', atMs: 500 },
      { type: 'transcript', text: 'Hi', isFinal: false, speechFinal: false, startMs: 500, endMs: expect.any(Number) },
      // 6 characters of 65 ms end at 890 ms, inside the 880-900 ms frame, which still counts as speech.
      { type: 'transcript', text: 'Hi Sam', isFinal: true, speechFinal: true, startMs: 500, endMs: 900 },
      { type: 'utterance_end', lastWordEndMs: 900 },
    ]);
  });

  it('ends the turn on the wall clock when audio stops arriving mid-speech', async () => {
    vi.useFakeTimers();
    const stream = createScriptedStt({ endpointingMs: 300 }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    speakInto(stream, 'Are you there');
    await vi.advanceTimersByTimeAsync(299);
    expect(recorder.events.some((e) => e.type === 'transcript' && e.speechFinal)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(recorder.events.filter((e) => e.type === 'transcript' && e.isFinal)).toEqual([
      expect.objectContaining({ text: 'Are you there', speechFinal: true }),
    ]);
    expect(recorder.events.at(-1)).toEqual({ type: 'utterance_end', lastWordEndMs: 13 * 65 });
    await stream.close();
  });

  it('gives speech without scripted text the fallback transcript, or nothing', () => {
    const speech = Buffer.concat([speechLikeMulaw({ durationMs: 800 }), silenceMulaw(400)]);
    const silent = new ScriptedRecognizer().push(speech);
    expect(silent.filter((e) => e.type === 'transcript')).toEqual([]);
    const filled = new ScriptedRecognizer({ fallbackText: '[inaudible]' }).push(speech);
    expect(filled.filter((e) => e.type === 'transcript')).toEqual([
      expect.objectContaining({ text: '[inaudible]', isFinal: true, speechFinal: true }),
    ]);
  });

  it('sends an empty speech-final when flush() already delivered the words', () => {
    const recognizer = new ScriptedRecognizer({ endpointingMs: 300 });
    recognizer.push(encodeScriptedSpeech('Okay'));
    expect(recognizer.finalize()).toEqual([expect.objectContaining({ text: 'Okay', isFinal: true, speechFinal: false })]);
    const after = recognizer.push(silenceMulaw(400)).filter((e) => e.type === 'transcript');
    expect(after).toEqual([expect.objectContaining({ text: '', isFinal: true, speechFinal: true })]);
  });

  it('fails on purpose, with the category asked for, after the audio time asked for', async () => {
    const stream = createScriptedStt({ failure: { category: 'server', afterAudioMs: 200 } }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    speakInto(stream, 'Hello there friend');
    await recorder.done;
    const errors = recorder.events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.type === 'error' && errors[0]!.error).toMatchObject({ provider: 'scripted', category: 'server', retryable: true });
  });

  it('fails right after opening when no audio time is given', async () => {
    const stream = createScriptedStt({ failure: { category: 'auth' } }).openStream({}, new AbortController().signal);
    const recorder = recordEvents(stream);
    await recorder.done;
    expect(recorder.events).toEqual([{ type: 'error', error: expect.objectContaining({ category: 'auth', retryable: false }) }]);
  });
});
