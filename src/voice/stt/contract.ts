/**
 * The behaviour every STT provider shares, as a suite each provider's test runs against its
 * own setup (the real client pointed at a protocol fake, or the scripted provider). The audio
 * is scripted speech, so a fake can hear it and the expected words are known.
 */
import { describe, expect, it } from 'vitest';
import { encodeScriptedSpeech } from '../../media/scripted-speech.js';
import { silenceMulaw, sliceFrames } from '../../media/signal.js';
import type { SttEvent, SttProvider, SttStream } from './types.js';

/** What a provider's test hands the suite for each test. */
export interface SttContractHarness {
  readonly provider: SttProvider;
  /** Stops whatever the setup started (a fake server). */
  teardown?(): Promise<void>;
}

/** Pushes scripted speech of `text`, then `silenceMs` of silence, as 20 ms frames. */
export function speakInto(stream: SttStream, text: string, silenceMs = 0): void {
  const audio = Buffer.concat([encodeScriptedSpeech(text), silenceMulaw(silenceMs)]);
  for (const payload of sliceFrames(audio)) stream.pushAudio({ kind: 'audio', payload });
}

/** What `recordEvents` returns: the events so far, the end of the stream, and a way to wait. */
export interface EventRecorder<E> {
  readonly events: E[];
  readonly done: Promise<void>;
  until(predicate: (events: E[]) => boolean, timeoutMs?: number): Promise<E[]>;
}

function summarise(events: unknown[]): string {
  return JSON.stringify(events, (_key, value: unknown) =>
    value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer'
      ? `<${((value as { data: unknown[] }).data ?? []).length} bytes>`
      : value,
  );
}

/** Reads a stream (STT or TTS) in the background; `until` waits for a condition on what arrived. */
export function recordEvents<E>(stream: AsyncIterable<E>): EventRecorder<E> {
  const events: E[] = [];
  const watchers = new Set<() => void>();
  let finished = false;
  const done = (async () => {
    try {
      for await (const event of stream) {
        events.push(event);
        for (const watch of [...watchers]) watch();
      }
    } finally {
      finished = true;
      for (const watch of [...watchers]) watch();
    }
  })();
  return {
    events,
    done,
    until(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const cleanup = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        const check = () => {
          if (predicate(events)) {
            cleanup();
            resolve(events);
          } else if (finished) {
            cleanup();
            reject(new Error(`stream ended before the condition held: ${summarise(events)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting; events so far: ${summarise(events)}`));
        }, timeoutMs);
        watchers.add(check);
        check();
      });
    },
  };
}

type Transcript = Extract<SttEvent, { type: 'transcript' }>;
const finals = (events: SttEvent[]): Transcript[] =>
  events.filter((e): e is Transcript => e.type === 'transcript' && e.isFinal);
const joined = (events: SttEvent[]): string =>
  finals(events)
    .map((e) => e.text)
    .filter(Boolean)
    .join(' ');
const turnEnds = (events: SttEvent[]): number => finals(events).filter((e) => e.speechFinal).length;

/** Runs the shared STT behaviour against the provider `setup` creates for each test. */
export function runSttContract(name: string, setup: () => Promise<SttContractHarness>): void {
  describe(`STT contract: ${name}`, () => {
    async function withStream(body: (stream: SttStream, controller: AbortController) => Promise<void>): Promise<void> {
      const harness = await setup();
      const controller = new AbortController();
      const stream = harness.provider.openStream({ language: 'en-US', endpointingMs: 300 }, controller.signal);
      try {
        await body(stream, controller);
      } finally {
        controller.abort();
        await harness.teardown?.();
      }
    }

    it('transcribes speech pushed while connecting and ends the turn after the endpointing silence', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        speakInto(stream, 'Hello there, how are you today?', 600);
        const events = await recorder.until((e) => turnEnds(e) === 1);
        expect(joined(events)).toBe('Hello there, how are you today?');
        const started = events.findIndex((e) => e.type === 'speech_started');
        const firstFinal = events.findIndex((e) => e.type === 'transcript' && e.isFinal);
        expect(started).toBeGreaterThanOrEqual(0);
        expect(started).toBeLessThan(firstFinal);
        expect(events.some((e) => e.type === 'error')).toBe(false);
      });
    });

    it('reports interim words before the final transcript', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        speakInto(stream, 'one two three four five', 600);
        const events = await recorder.until((e) => turnEnds(e) === 1);
        const interims = events.filter((e): e is Transcript => e.type === 'transcript' && !e.isFinal);
        expect(interims.length).toBeGreaterThan(0);
        for (const interim of interims) expect('one two three four five'.startsWith(interim.text)).toBe(true);
        expect(events.indexOf(interims[0]!)).toBeLessThan(events.indexOf(finals(events)[0]!));
      });
    });

    it('flush() finalises the words heard so far without waiting for silence', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        speakInto(stream, 'Please hold on');
        stream.flush();
        const events = await recorder.until((e) => joined(e) === 'Please hold on');
        expect(finals(events).every((e) => !e.speechFinal)).toBe(true);
      });
    });

    it('keeps two utterances apart, in order', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        speakInto(stream, 'Yes.', 600);
        speakInto(stream, 'Tuesday works.', 600);
        const events = await recorder.until((e) => turnEnds(e) === 2);
        const turns = finals(events).filter((e) => e.speechFinal);
        expect(turns.map((e) => e.text)).toEqual(['Yes.', 'Tuesday works.']);
        expect(turns[0]!.endMs!).toBeLessThanOrEqual(turns[1]!.startMs!);
      });
    });

    it('reports the utterance end after a long enough silence', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        speakInto(stream, 'That is all.', 1400);
        const events = await recorder.until((e) => e.some((x) => x.type === 'utterance_end'));
        const end = events.find((e) => e.type === 'utterance_end')!;
        expect(events.indexOf(end)).toBeGreaterThan(events.indexOf(finals(events).find((e) => e.speechFinal)!));
        expect(end.type === 'utterance_end' && end.lastWordEndMs).toBeGreaterThan(0);
      });
    });

    it('close() delivers the last words and then ends the events', async () => {
      await withStream(async (stream) => {
        const recorder = recordEvents(stream);
        speakInto(stream, 'Goodbye now');
        await stream.close();
        await recorder.done;
        expect(joined(recorder.events)).toBe('Goodbye now');
        expect(() => stream.pushAudio({ kind: 'audio', payload: silenceMulaw(20) })).not.toThrow();
      });
    });

    it('aborting the signal ends the events without an error', async () => {
      await withStream(async (stream, controller) => {
        const recorder = recordEvents(stream);
        speakInto(stream, 'Hello');
        controller.abort();
        await recorder.done;
        expect(recorder.events.some((e) => e.type === 'error')).toBe(false);
      });
    });
  });
}
