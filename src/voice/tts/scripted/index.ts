/**
 * Scripted text-to-speech for dev mode, the simulated network's audio lane (PARLEY_SIM_AUDIO=1)
 * and end-to-end tests. Text becomes deterministic μ-law audio that lasts as long as speaking it
 * would (65 ms a character by default, or `wordsPerMinute`) and carries the text in-band (see
 * media/scripted-speech.ts), so the scripted STT, or the Deepgram fake, hears exactly
 * what was said, and after a barge-in exactly the part that was played.
 *
 * Each flush() synthesises the text pushed since the last one after `firstByteDelayMs`, as
 * audio events of `chunkMs`, `chunkIntervalMs` apart (0: all at once, like a vendor faster
 * than real time), then `flushed`. `failure` makes it fail on purpose for fallback tests.
 * A text with an entry in `recordings` (the offline voice's apology) plays that recorded
 * speech instead, so a person on a real phone hears words rather than the scripted tone.
 */
import { ProviderError, type ProviderErrorCategory } from '../../../shared/errors.js';
import { ScriptedSpeechEncoder, type ScriptedSpeechPace } from '../../../media/scripted-speech.js';
import { EventChannel } from '../../shared/event-channel.js';
import type { TtsEvent, TtsProvider, TtsStream } from '../types.js';

/** A failure the scripted provider produces on purpose. */
export interface ScriptedTtsFailure {
  readonly category: ProviderErrorCategory;
  /** Fail once this much audio was emitted; 0 (default) fails right after opening. */
  readonly afterAudioMs?: number;
}

/** Options of the scripted TTS. */
export interface ScriptedTtsOptions extends ScriptedSpeechPace {
  /** Provider id reported in errors. Default 'scripted'. */
  readonly id?: string;
  /** Delay from flush() to the first audio. Default 0. */
  readonly firstByteDelayMs?: number;
  /** Audio per event. Default 100. */
  readonly chunkMs?: number;
  /** Time between audio events. Default 0. */
  readonly chunkIntervalMs?: number;
  readonly failure?: ScriptedTtsFailure;
  /** Recorded μ-law 8 kHz speech by exact text (trimmed), played instead of scripted speech. */
  readonly recordings?: ReadonlyMap<string, Buffer>;
}

/** Creates the scripted TTS provider. */
export function createScriptedTts(options: ScriptedTtsOptions = {}): TtsProvider {
  const id = options.id ?? 'scripted';
  return { id, openStream: (_streamOptions, signal) => new ScriptedTtsStream(id, options, signal) };
}

class ScriptedTtsStream implements TtsStream {
  private readonly events = new EventChannel<TtsEvent>(() => this.end());
  private readonly encoder: ScriptedSpeechEncoder;
  private readonly chunkBytes: number;
  private pendingText = '';
  private readonly jobs: string[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by cancel(): a job that wakes up under an old generation stops. */
  private generation = 0;
  private emittedBytes = 0;
  private readonly onAbort = () => this.end();

  constructor(
    private readonly id: string,
    private readonly options: ScriptedTtsOptions,
    private readonly signal: AbortSignal,
  ) {
    this.encoder = new ScriptedSpeechEncoder(options);
    this.chunkBytes = Math.max(1, Math.round((options.chunkMs ?? 100) * 8));
    if (signal.aborted) {
      this.end();
      return;
    }
    signal.addEventListener('abort', this.onAbort, { once: true });
    if (options.failure && (options.failure.afterAudioMs ?? 0) <= 0) this.timer = setTimeout(() => this.fail(), 0);
  }

  pushText(text: string): void {
    if (!this.events.ended) this.pendingText += text;
  }

  flush(): void {
    if (this.events.ended) return;
    this.jobs.push(this.pendingText);
    this.pendingText = '';
    if (!this.running) this.runNext();
  }

  cancel(): void {
    if (this.events.ended) return;
    this.generation++;
    this.pendingText = '';
    this.jobs.length = 0;
    this.running = false;
    clearTimeout(this.timer);
    this.events.clear((event) => event.type === 'error');
  }

  async close(): Promise<void> {
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private runNext(): void {
    const text = this.jobs.shift();
    if (text === undefined || this.events.ended) {
      this.running = false;
      return;
    }
    this.running = true;
    const generation = this.generation;
    this.timer = setTimeout(() => {
      if (generation !== this.generation) return;
      this.emitChunks(this.options.recordings?.get(text.trim()) ?? this.encoder.encode(text), 0, generation);
    }, this.options.firstByteDelayMs ?? 0);
  }

  private emitChunks(audio: Buffer, offset: number, generation: number): void {
    const interval = this.options.chunkIntervalMs ?? 0;
    while (offset < audio.length) {
      if (generation !== this.generation || this.events.ended) return;
      const payload = audio.subarray(offset, offset + this.chunkBytes);
      offset += payload.length;
      this.events.push({ type: 'audio', payload });
      this.emittedBytes += payload.length;
      const failure = this.options.failure;
      if (failure && this.emittedBytes >= (failure.afterAudioMs ?? 0) * 8) {
        this.fail();
        return;
      }
      if (interval > 0 && offset < audio.length) {
        this.timer = setTimeout(() => this.emitChunks(audio, offset, generation), interval);
        return;
      }
    }
    this.events.push({ type: 'flushed' });
    this.runNext();
  }

  private fail(): void {
    if (this.events.ended || !this.options.failure) return;
    const { category } = this.options.failure;
    this.events.push({ type: 'error', error: new ProviderError(this.id, category, `${this.id} failed on purpose (${category})`) });
    this.end();
  }

  private end(): void {
    clearTimeout(this.timer);
    this.generation++;
    this.signal.removeEventListener('abort', this.onAbort);
    this.events.end();
  }
}
