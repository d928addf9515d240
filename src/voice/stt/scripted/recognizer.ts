/**
 * The scripted recognizer: hears scripted speech (media/scripted-speech.ts) in μ-law
 * audio and turns it into Deepgram-shaped events, all in audio time (no clocks), so results
 * are the same however fast the audio arrives. The scripted STT wraps it in a stream; the
 * Deepgram fake serialises its events as Deepgram JSON.
 */
import { FRAME_BYTES } from '../../../media/frames.js';
import { ScriptedSpeechDecoder } from '../../../media/scripted-speech.js';
import { createVad, type Vad, type VadOptions } from '../../audio/vad.js';
import type { SttEvent } from '../types.js';

/** Settings of the recognizer; endpointing is the VAD's minimum silence. */
export interface ScriptedRecognizerOptions {
  /** Silence after speech that ends the utterance with `speechFinal`. Default 300. */
  readonly endpointingMs?: number;
  /** Silence after the last word before `utterance_end`. Default 1000. */
  readonly utteranceEndMs?: number;
  /** Emit interim transcripts as words complete. Default true. */
  readonly interimResults?: boolean;
  readonly vad?: Omit<VadOptions, 'minSilenceMs'>;
  /** Transcript for speech that carries no scripted text (a real voice in dev mode); none by default. */
  readonly fallbackText?: string;
}

/** Everything an STT stream reports except errors. */
export type RecognizerEvent = Exclude<SttEvent, { type: 'error' }>;

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Stateful recognizer for one audio direction. */
export class ScriptedRecognizer {
  private readonly decoder = new ScriptedSpeechDecoder();
  private readonly vad: Vad;
  private readonly utteranceEndMs: number;
  private readonly interimResults: boolean;
  private readonly fallbackText: string | undefined;
  /** Audio time before the VAD's last reset. */
  private offsetMs = 0;
  private segment = '';
  private segmentStartMs: number | null = null;
  private lastInterim = '';
  private hadWords = false;
  private lastWordEndMs = 0;
  private utteranceEndAtMs: number | null = null;
  /** Audio waiting to fill a 20 ms frame, so timing sits on one grid whatever the chunking. */
  private readonly frame = Buffer.alloc(FRAME_BYTES);
  private frameFill = 0;

  constructor(options: ScriptedRecognizerOptions = {}) {
    this.vad = createVad({ ...options.vad, minSilenceMs: options.endpointingMs ?? 300 });
    this.utteranceEndMs = options.utteranceEndMs ?? 1000;
    this.interimResults = options.interimResults ?? true;
    this.fallbackText = options.fallbackText;
  }

  /** True between speech start and the endpoint. */
  get speaking(): boolean {
    return this.vad.speaking;
  }

  /** Audio time consumed so far. */
  get elapsedMs(): number {
    return this.offsetMs + this.vad.elapsedMs;
  }

  /**
   * Consumes audio of any length and returns what it caused. Audio is processed in 20 ms
   * frames on a grid from the stream's start; a partial frame waits for the next push.
   */
  push(audio: Uint8Array): RecognizerEvent[] {
    const events: RecognizerEvent[] = [];
    let offset = 0;
    if (this.frameFill > 0) {
      const take = Math.min(FRAME_BYTES - this.frameFill, audio.length);
      this.frame.set(audio.subarray(0, take), this.frameFill);
      this.frameFill += take;
      offset = take;
      if (this.frameFill < FRAME_BYTES) return events;
      this.frameFill = 0;
      this.step(this.frame, events);
    }
    for (; offset + FRAME_BYTES <= audio.length; offset += FRAME_BYTES) {
      this.step(audio.subarray(offset, offset + FRAME_BYTES), events);
    }
    if (offset < audio.length) {
      this.frame.set(audio.subarray(offset), 0);
      this.frameFill = audio.length - offset;
    }
    return events;
  }

  /** Finalises the words heard so far (Deepgram Finalize): a final, not speech-final, segment. */
  finalize(): RecognizerEvent[] {
    const text = normalise(this.segment);
    if (!text) return [];
    const event: RecognizerEvent = {
      type: 'transcript',
      text,
      isFinal: true,
      speechFinal: false,
      startMs: this.segmentStartMs ?? this.elapsedMs,
      endMs: this.elapsedMs,
    };
    this.resetSegment();
    return [event];
  }

  /** Ends speech now (no more audio is coming): the endpoint and the utterance end at once. */
  endSpeech(): RecognizerEvent[] {
    if (!this.vad.speaking) return [];
    const events: RecognizerEvent[] = [];
    if (this.frameFill > 0) {
      // No more audio is coming to complete the frame: hear the part that came.
      this.step(this.frame.subarray(0, this.frameFill), events);
      this.frameFill = 0;
      if (!this.vad.speaking) return events;
    }
    const nowMs = this.elapsedMs;
    this.endpoint(nowMs, events);
    if (this.utteranceEndAtMs !== null) {
      events.push({ type: 'utterance_end', lastWordEndMs: this.lastWordEndMs });
      this.utteranceEndAtMs = null;
    }
    this.offsetMs = nowMs;
    this.vad.reset();
    return events;
  }

  private step(piece: Uint8Array, events: RecognizerEvent[]): void {
    const frameStartMs = this.elapsedMs;
    const chars = this.decoder.push(piece);
    const transition = this.vad.process(piece);
    const nowMs = this.elapsedMs;
    if (transition === 'speech_start') {
      const atMs = this.offsetMs + this.vad.speechStartMs;
      this.utteranceEndAtMs = null;
      events.push({ type: 'speech_started', atMs });
      if (this.segmentStartMs === null) this.segmentStartMs = atMs;
    }
    if (chars) {
      if (this.segmentStartMs === null) this.segmentStartMs = frameStartMs;
      this.segment += chars;
      this.hadWords = true;
      this.lastWordEndMs = nowMs;
      if (this.interimResults && this.vad.speaking && /\s/.test(chars)) this.emitInterim(events);
    }
    if (transition === 'speech_end') this.endpoint(this.offsetMs + this.vad.speechEndMs, events);
    if (this.utteranceEndAtMs !== null && !this.vad.speaking && nowMs >= this.utteranceEndAtMs) {
      events.push({ type: 'utterance_end', lastWordEndMs: this.lastWordEndMs });
      this.utteranceEndAtMs = null;
    }
  }

  private emitInterim(events: RecognizerEvent[]): void {
    const text = normalise(this.segment);
    if (!text || text === this.lastInterim) return;
    this.lastInterim = text;
    events.push({
      type: 'transcript',
      text,
      isFinal: false,
      speechFinal: false,
      startMs: this.segmentStartMs ?? this.elapsedMs,
      endMs: this.elapsedMs,
    });
  }

  /** Speech ended at `endMs`: the speech-final segment, then the utterance-end countdown. */
  private endpoint(endMs: number, events: RecognizerEvent[]): void {
    let text = normalise(this.segment);
    if (!text && !this.hadWords && this.fallbackText) {
      text = this.fallbackText;
      this.hadWords = true;
    }
    // An utterance already finalised by flush() still needs its speech_final, even if empty.
    if (text || this.hadWords) {
      events.push({
        type: 'transcript',
        text,
        isFinal: true,
        speechFinal: true,
        startMs: this.segmentStartMs ?? endMs,
        endMs,
      });
      // Scripted speech has no gaps inside words: the last word ends where the speech ends.
      this.lastWordEndMs = endMs;
      this.utteranceEndAtMs = endMs + this.utteranceEndMs;
    }
    this.resetSegment();
    this.hadWords = false;
  }

  private resetSegment(): void {
    this.segment = '';
    this.segmentStartMs = null;
    this.lastInterim = '';
  }
}
