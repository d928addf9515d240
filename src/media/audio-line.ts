/**
 * The audio line of an answered call, as every carrier provides it and the voice session uses
 * it: μ-law frames in and out, with marks and clear (Twilio Media Streams semantics).
 */
import type { Frame } from './frames.js';

/** A line carrying μ-law audio frames, with marks and clear (Twilio Media Streams semantics). */
export interface AudioLine {
  readonly mode: 'audio';
  /** Inbound audio, dtmf, echoed marks, end. */
  readonly frames: AsyncIterable<Frame>;
  /**
   * Outbound audio (whole 20 ms frames, one or several per payload) and marks; an interruption
   * frame clears what is buffered at the carrier.
   */
  send(frame: Frame): void;
  hangUp(): void;
}
