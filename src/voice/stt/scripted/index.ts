/**
 * Scripted speech-to-text for dev mode, the simulated network's audio lane
 * (PARLEY_SIM_AUDIO=1) and end-to-end tests: it hears the text that the scripted TTS carries
 * in its audio (see media/scripted-speech.ts), detects speech with the energy VAD and
 * reports Deepgram-shaped events, so the whole audio pipeline runs with no vendor account.
 *
 * Endpointing runs in audio time (silence frames count), so results do not depend on how fast
 * audio arrives. If audio stops arriving mid-speech (a line that sends nothing in silence),
 * a wall-clock fallback ends the utterance after `idleEndpointingMs` without frames.
 * `failure` makes the provider fail on purpose, for fallback and error-path tests.
 */
import { ProviderError, type ProviderErrorCategory } from '../../../shared/errors.js';
import type { AudioFrame } from '../../../media/frames.js';
import { EventChannel } from '../../shared/event-channel.js';
import type { SttEvent, SttProvider, SttStream, SttStreamOptions } from '../types.js';
import { ScriptedRecognizer, type ScriptedRecognizerOptions } from './recognizer.js';

export { ScriptedRecognizer, type RecognizerEvent, type ScriptedRecognizerOptions } from './recognizer.js';

/** A failure the scripted provider produces on purpose. */
export interface ScriptedSttFailure {
  readonly category: ProviderErrorCategory;
  /** Audio time after which the stream fails; 0 (default) fails right after opening. */
  readonly afterAudioMs?: number;
}

/** Options of the scripted STT. */
export interface ScriptedSttOptions extends ScriptedRecognizerOptions {
  /** Provider id reported in events and errors. Default 'scripted'. */
  readonly id?: string;
  /** Wall-clock time without any audio that ends speech in progress; false to disable. Default: the endpointing. */
  readonly idleEndpointingMs?: number | false;
  readonly failure?: ScriptedSttFailure;
}

/** Creates the scripted STT provider. */
export function createScriptedStt(options: ScriptedSttOptions = {}): SttProvider {
  const id = options.id ?? 'scripted';
  return {
    id,
    openStream: (streamOptions, signal) => new ScriptedSttStream(id, options, streamOptions, signal),
  };
}

class ScriptedSttStream implements SttStream {
  private readonly events = new EventChannel<SttEvent>(() => this.end());
  private readonly recognizer: ScriptedRecognizer;
  private readonly idleMs: number | false;
  private idleTimer: NodeJS.Timeout | undefined;
  private failTimer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.end();

  constructor(
    private readonly id: string,
    private readonly options: ScriptedSttOptions,
    streamOptions: SttStreamOptions,
    private readonly signal: AbortSignal,
  ) {
    const endpointingMs = streamOptions.endpointingMs ?? options.endpointingMs ?? 300;
    this.recognizer = new ScriptedRecognizer({ ...options, endpointingMs });
    this.idleMs = options.idleEndpointingMs ?? endpointingMs;
    if (options.failure && (options.failure.afterAudioMs ?? 0) <= 0) {
      this.failTimer = setTimeout(() => this.fail(), 0);
    }
    if (signal.aborted) this.end();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  pushAudio(frame: AudioFrame): void {
    if (this.events.ended) return;
    this.emit(this.recognizer.push(frame.payload));
    const failure = this.options.failure;
    if (failure && this.recognizer.elapsedMs >= (failure.afterAudioMs ?? 0)) {
      this.fail();
      return;
    }
    if (this.idleMs === false) return;
    if (!this.recognizer.speaking) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    } else if (this.idleTimer) {
      this.idleTimer.refresh();
    } else {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        this.emit(this.recognizer.endSpeech());
      }, this.idleMs);
    }
  }

  flush(): void {
    if (!this.events.ended) this.emit(this.recognizer.finalize());
  }

  async close(): Promise<void> {
    if (this.events.ended) return;
    this.emit(this.recognizer.finalize());
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private emit(events: readonly SttEvent[]): void {
    for (const event of events) this.events.push(event);
  }

  private fail(): void {
    if (this.events.ended || !this.options.failure) return;
    const { category } = this.options.failure;
    this.events.push({ type: 'error', error: new ProviderError(this.id, category, `${this.id} failed on purpose (${category})`) });
    this.end();
  }

  private end(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.failTimer);
    this.signal.removeEventListener('abort', this.onAbort);
    this.events.end();
  }
}
