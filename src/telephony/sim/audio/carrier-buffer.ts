/**
 * The carrier's side of outbound audio, as Twilio Media Streams behave: audio sent is buffered
 * and played in real time, 20 ms per frame; a mark is echoed once the audio before it has
 * played; `clear` (an interruption frame) drops what is buffered and its marks are not echoed
 * as heard. The simulated network plays the agent to its persona through this, and benchmarks
 * use it as an in-process Twilio.
 */
import { FRAME_BYTES } from '../../../media/frames.js';
import type { Frame } from '../../../media/frames.js';

type Item = { readonly audio: Buffer } | { readonly mark: string };

/** Counters of one buffer. */
export interface CarrierBufferStats {
  readonly framesPlayed: number;
  readonly marksEchoed: number;
  readonly clears: number;
  readonly framesCleared: number;
  /**
   * Frames that were due while a segment was still being spoken but had not arrived: an
   * audible gap in the agent's speech (a "dropped frame").
   */
  readonly underruns: number;
}

export class CarrierBuffer {
  private items: Item[] = [];
  private head = 0;
  /** Audio played since the last mark: a segment is in progress until its mark comes. */
  private midSegment = false;
  private stats = { framesPlayed: 0, marksEchoed: 0, clears: 0, framesCleared: 0, underruns: 0 };

  /** `onMark` hears every mark whose audio has played. */
  constructor(private readonly onMark: (name: string) => void) {}

  /** Takes what the session sent: audio, marks and interruptions; other frames are not carrier messages. */
  accept(frame: Frame): void {
    switch (frame.kind) {
      case 'audio':
        // Sent audio may hold several frames (Twilio takes any length); it plays 20 ms at a time.
        for (let offset = 0; offset < frame.payload.length; offset += FRAME_BYTES) {
          this.items.push({ audio: frame.payload.subarray(offset, offset + FRAME_BYTES) });
        }
        return;
      case 'mark':
        // Nothing buffered: the audio before the mark has already played.
        if (this.head >= this.items.length && !this.midSegment) {
          this.stats.marksEchoed++;
          this.onMark(frame.name);
        } else {
          this.items.push({ mark: frame.name });
        }
        return;
      case 'interruption':
        this.stats.clears++;
        for (let i = this.head; i < this.items.length; i++) if ('audio' in this.items[i]!) this.stats.framesCleared++;
        this.items = [];
        this.head = 0;
        this.midSegment = false;
        return;
      default:
        return;
    }
  }

  /** Audio buffered, in bytes. */
  get bufferedBytes(): number {
    let bytes = 0;
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if ('audio' in item) bytes += item.audio.length;
    }
    return bytes;
  }

  /** Plays the next 20 ms: returns the frame heard, or null for silence. Marks reached first are echoed. */
  play(): Buffer | null {
    this.echoLeadingMarks();
    const item = this.items[this.head];
    if (!item || !('audio' in item)) {
      if (this.midSegment) this.stats.underruns++;
      return null;
    }
    this.head++;
    this.midSegment = true;
    this.stats.framesPlayed++;
    this.compact();
    // A short frame (never sent by Parley) is padded as Twilio would play it: silence after it.
    return item.audio.length === FRAME_BYTES ? item.audio : Buffer.concat([item.audio, Buffer.alloc(Math.max(0, FRAME_BYTES - item.audio.length), 0xff)]).subarray(0, FRAME_BYTES);
  }

  counters(): CarrierBufferStats {
    return { ...this.stats };
  }

  private echoLeadingMarks(): void {
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      if (!('mark' in item)) return;
      this.head++;
      this.midSegment = false;
      this.stats.marksEchoed++;
      this.onMark(item.mark);
    }
  }

  private compact(): void {
    if (this.head >= 256 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
