/**
 * The callee's side of a call: every inbound frame goes through the energy VAD (for barge-in and
 * to time the end of speech) and into the STT stream; the STT's finals, `speech_final` and
 * `utterance_end` become utterances, each stamped with when the speech ended on the wall clock.
 */
import { asProviderError, type ProviderError } from '../../shared/errors.js';
import type { AudioFrame } from '../../media/frames.js';
import { createVad, type Vad } from '../audio/vad.js';
import type { SttStream } from '../stt/types.js';
import type { SessionClock } from './clock.js';

/** One finished turn of the callee's speech. */
export interface Utterance {
  readonly text: string;
  /** Clock time the speech began (the first VAD speech of the utterance), if the VAD heard it. */
  readonly startedAt: number | undefined;
  /** Clock time the speech ended (the VAD's end of speech, else when the STT said so). */
  readonly endedAt: number;
  /** When the STT declared the utterance over (speech_final or utterance_end). */
  readonly endpointAt: number;
  /** When the last final transcript of it arrived. */
  readonly finalAt: number;
}

export interface ListenerEvents {
  speechStart(): void;
  speechEnd(): void;
  /** The words of the utterance in progress changed (finals so far plus the latest interim). */
  words(text: string): void;
  utterance(utterance: Utterance): void;
  /** The STT failed for good; nothing more will be heard. */
  failed(error: ProviderError): void;
}

export class ContactListener {
  private readonly vad: Vad;
  private lastFrameAt = 0;
  private finals: string[] = [];
  private interim = '';
  private lastFinalAt: number | undefined;
  private startedAt: number | undefined;
  private closed = false;

  constructor(
    private readonly stt: SttStream,
    private readonly clock: SessionClock,
    vadThresholdDb: number,
    private readonly events: ListenerEvents,
  ) {
    // 200 ms of silence ends VAD speech: before the STT's endpointing (300 ms by default), so
    // the end of speech is known when the utterance arrives.
    this.vad = createVad({ thresholdDb: vadThresholdDb, minSilenceMs: 200 });
    // A stream that throws instead of sending an error event fails the same way (fallback or apology).
    this.read().catch((error: unknown) => {
      if (!this.closed) this.events.failed(asProviderError('stt', error));
    });
  }

  /** True while the VAD hears the callee. */
  get speaking(): boolean {
    return this.vad.speaking;
  }

  /** How long the callee has been speaking without a pause, in audio time (0 when silent). */
  speechMs(): number {
    return this.vad.speaking ? this.vad.elapsedMs - this.vad.speechStartMs : 0;
  }

  /** The utterance in progress as heard so far. */
  get words(): string {
    return [...this.finals, this.interim].join(' ').trim();
  }

  push(frame: AudioFrame): void {
    if (this.closed) return;
    this.lastFrameAt = this.clock.now();
    const transition = this.vad.process(frame.payload);
    this.stt.pushAudio(frame);
    if (transition === 'speech_start') {
      this.startedAt ??= this.wallOf(this.vad.speechStartMs);
      this.events.speechStart();
    } else if (transition === 'speech_end') {
      this.events.speechEnd();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stt.close().catch(() => undefined);
  }

  /** Clock time of a moment on the inbound audio timeline (frames arrive in real time). */
  private wallOf(audioMs: number): number {
    return this.lastFrameAt - (this.vad.elapsedMs - audioMs);
  }

  private async read(): Promise<void> {
    for await (const event of this.stt) {
      if (this.closed) return;
      switch (event.type) {
        case 'transcript':
          if (event.isFinal) {
            if (event.text.trim()) this.finals.push(event.text.trim());
            this.interim = '';
            this.lastFinalAt = this.clock.now();
          } else {
            this.interim = event.text.trim();
          }
          this.events.words(this.words);
          if (event.isFinal && event.speechFinal) this.complete();
          break;
        case 'utterance_end':
          this.complete();
          break;
        case 'speech_started':
          break;
        case 'error':
          this.events.failed(event.error);
          return;
      }
    }
  }

  private complete(): void {
    const text = this.finals.join(' ').trim();
    if (!text) return;
    const now = this.clock.now();
    const vadEnd = this.wallOf(this.vad.speechEndMs);
    const endedAt = !this.vad.speaking && (this.startedAt === undefined || vadEnd >= this.startedAt) ? Math.min(vadEnd, now) : now;
    const utterance: Utterance = { text, startedAt: this.startedAt, endedAt, endpointAt: now, finalAt: this.lastFinalAt ?? now };
    this.lastFinalAt = undefined;
    this.finals = [];
    this.interim = '';
    this.startedAt = this.vad.speaking ? this.wallOf(this.vad.speechStartMs) : undefined;
    this.events.utterance(utterance);
  }
}
