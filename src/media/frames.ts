/**
 * The frames that flow through a live call. A frame's kind says how barge-in treats it:
 * system frames (interruption, dtmf, mark, end) always pass; data frames (audio, text,
 * transcript) queued for output are dropped when the callee interrupts.
 */

/** 20 ms of μ-law 8 kHz mono is 160 bytes: the unit the phone path moves. */
export const SAMPLE_RATE_HZ = 8000;
export const FRAME_DURATION_MS = 20;
export const FRAME_BYTES = 160;

export interface AudioFrame {
  readonly kind: 'audio';
  /** μ-law 8 kHz mono, no header. */
  readonly payload: Buffer;
  /** Milliseconds since the stream started, when the carrier says. */
  readonly timestampMs?: number;
}

export interface TranscriptFrame {
  readonly kind: 'transcript';
  readonly text: string;
  readonly isFinal: boolean;
  /** Endpointing saw the end of an utterance. */
  readonly speechFinal: boolean;
  readonly confidence?: number;
}

export interface TextFrame {
  readonly kind: 'text';
  readonly text: string;
}

export interface InterruptionFrame {
  readonly kind: 'interruption';
}

export interface DtmfFrame {
  readonly kind: 'dtmf';
  readonly digit: string;
}

/** A marker placed after queued audio; the carrier echoes it once the audio before it has played. */
export interface MarkFrame {
  readonly kind: 'mark';
  readonly name: string;
}

export interface EndFrame {
  readonly kind: 'end';
  readonly reason?: string;
  /** The line broke (a socket error, a client breaking the wire's rules) rather than someone hanging up. */
  readonly failed?: boolean;
}

export type DataFrame = AudioFrame | TranscriptFrame | TextFrame;
export type SystemFrame = InterruptionFrame | DtmfFrame | MarkFrame | EndFrame;
export type Frame = DataFrame | SystemFrame;

const systemKinds: ReadonlySet<Frame['kind']> = new Set(['interruption', 'dtmf', 'mark', 'end']);

/** True for frames that survive an interruption (they are control, not content). */
export function isSystemFrame(frame: Frame): frame is SystemFrame {
  return systemKinds.has(frame.kind);
}
