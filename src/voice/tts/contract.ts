/**
 * The behaviour every TTS provider shares, as a suite each provider's test runs against its
 * own setup (the real client pointed at a protocol fake, or the scripted provider). Fakes
 * speak scripted speech, so the suite can decode the audio back to the words it asked for.
 * The setup should deliver audio in several chunks some milliseconds apart, so that cancel()
 * can land mid-utterance as a barge-in does.
 */
import { describe, expect, it } from 'vitest';
import { decodeScriptedSpeech } from '../../media/scripted-speech.js';
import { recordEvents } from '../stt/contract.js';
import type { TtsEvent, TtsProvider, TtsStream } from './types.js';

/** What a provider's test hands the suite for each test. */
export interface TtsContractHarness {
  readonly provider: TtsProvider;
  teardown?(): Promise<void>;
}

/** Decodes the scripted speech in a run of events' audio. */
export function heardIn(events: readonly TtsEvent[]): string {
  const audio = events.flatMap((event) => (event.type === 'audio' ? [event.payload] : []));
  return decodeScriptedSpeech(Buffer.concat(audio));
}

const flushedCount = (events: TtsEvent[]): number => events.filter((e) => e.type === 'flushed').length;
const long =
  'Thanks for taking my call. I am phoning about the appointment you booked for next Tuesday ' +
  'morning, and I would like to confirm the time and the address with you.';

/** Runs the shared TTS behaviour against the provider `setup` creates for each test. */
export function runTtsContract(name: string, setup: () => Promise<TtsContractHarness>): void {
  describe(`TTS contract: ${name}`, () => {
    async function withStream(body: (stream: TtsStream, controller: AbortController) => Promise<void>): Promise<void> {
      const harness = await setup();
      const controller = new AbortController();
      const stream = harness.provider.openStream({}, controller.signal);
      try {
        await body(stream, controller);
      } finally {
        controller.abort();
        await harness.teardown?.();
      }
    }

    it('speaks the text pushed before flush (even while connecting), then reports flushed', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        stream.pushText('Hello there. ');
        stream.pushText('How can I help?');
        stream.flush();
        const events = await recorder.until((e) => flushedCount(e) === 1);
        expect(events.at(-1)).toEqual({ type: 'flushed' });
        expect(heardIn(events)).toBe('Hello there. How can I help?');
        // 28 characters at a speaking pace is well over a second of audio.
        const bytes = events.reduce((sum, e) => sum + (e.type === 'audio' ? e.payload.length : 0), 0);
        expect(bytes).toBeGreaterThan(8000);
      });
    });

    it('keeps utterances in order with one flushed each', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        stream.pushText('First one.');
        stream.flush();
        stream.pushText('Second one.');
        stream.flush();
        const events = await recorder.until((e) => flushedCount(e) === 2);
        const split = events.findIndex((e) => e.type === 'flushed');
        expect(heardIn(events.slice(0, split))).toBe('First one.');
        expect(heardIn(events.slice(split + 1))).toBe('Second one.');
        expect(events.at(-1)).toEqual({ type: 'flushed' });
      });
    });

    it('reports flushed for a flush with no text', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        stream.flush();
        const events = await recorder.until((e) => flushedCount(e) === 1);
        expect(events).toEqual([{ type: 'flushed' }]);
      });
    });

    it('cancel() stops the audio at once, and the next text is spoken normally', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        stream.pushText(long);
        stream.flush();
        await recorder.until((e) => e.some((x) => x.type === 'audio'));
        stream.cancel();
        const atCancel = recorder.events.length;
        stream.pushText('Sorry, go ahead.');
        stream.flush();
        const events = await recorder.until((e) => flushedCount(e) === 1);
        const after = events.slice(atCancel);
        expect(heardIn(after)).toBe('Sorry, go ahead.');
        expect(after.at(-1)).toEqual({ type: 'flushed' });
        expect(heardIn(events.slice(0, atCancel)).length).toBeLessThan(long.length);
        expect(events.some((e) => e.type === 'error')).toBe(false);
      });
    });

    it('cancel() right after flush drops that utterance entirely', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        stream.pushText('You will never hear this.');
        stream.flush();
        stream.cancel();
        stream.pushText('Only this.');
        stream.flush();
        const events = await recorder.until((e) => flushedCount(e) === 1);
        expect(heardIn(events)).toBe('Only this.');
      });
    });

    it('close() ends the events', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        stream.pushText('Bye.');
        stream.flush();
        await recorder.until((e) => flushedCount(e) === 1);
        await stream.close();
        await recorder.done;
        expect(() => stream.pushText('ignored')).not.toThrow();
      });
    });

    it('aborting the signal ends the events without an error', async () => {
      await withStream(async (stream, controller) => {
        const recorder = recordEvents(stream);
        stream.pushText(long);
        stream.flush();
        controller.abort();
        await recorder.done;
        expect(recorder.events.some((e) => e.type === 'error')).toBe(false);
      });
    });
  });
}
