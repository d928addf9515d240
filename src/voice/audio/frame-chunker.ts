/** Re-chunks arbitrary-length μ-law audio into exact 20 ms (160-byte) frames for the carrier. */
import { FRAME_BYTES } from '../../media/frames.js';
import { MULAW_SILENCE } from '../../media/mulaw.js';

/**
 * Turns TTS output of any length into frames of exactly `frameBytes` (default 160 = 20 ms
 * at 8 kHz). Whole frames come out of `push`; the remainder waits for more audio or for
 * `flush`, which pads it with μ-law silence so the carrier never receives a short frame.
 */
export class FrameChunker {
  private readonly frameBytes: number;
  private pending: Buffer;
  private pendingBytes = 0;

  constructor(options: { frameBytes?: number } = {}) {
    this.frameBytes = options.frameBytes ?? FRAME_BYTES;
    if (!Number.isInteger(this.frameBytes) || this.frameBytes <= 0) {
      throw new RangeError('frameBytes must be a positive integer');
    }
    this.pending = Buffer.alloc(this.frameBytes);
  }

  /** Bytes held back waiting for a full frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Adds audio; returns the whole frames now complete (each a fresh Buffer the caller owns). */
  push(audio: Uint8Array): Buffer[] {
    const frames: Buffer[] = [];
    let offset = 0;
    if (this.pendingBytes > 0) {
      const take = Math.min(this.frameBytes - this.pendingBytes, audio.length);
      this.pending.set(audio.subarray(0, take), this.pendingBytes);
      this.pendingBytes += take;
      offset = take;
      if (this.pendingBytes < this.frameBytes) return frames;
      frames.push(this.pending);
      this.pending = Buffer.alloc(this.frameBytes);
      this.pendingBytes = 0;
    }
    while (audio.length - offset >= this.frameBytes) {
      frames.push(Buffer.from(audio.subarray(offset, offset + this.frameBytes)));
      offset += this.frameBytes;
    }
    if (offset < audio.length) {
      this.pending.set(audio.subarray(offset), 0);
      this.pendingBytes = audio.length - offset;
    }
    return frames;
  }

  /** Emits the partial frame, padded with μ-law silence (0xFF), or null when nothing is held. */
  flush(): Buffer | null {
    if (this.pendingBytes === 0) return null;
    const frame = this.pending;
    frame.fill(MULAW_SILENCE, this.pendingBytes);
    this.pending = Buffer.alloc(this.frameBytes);
    this.pendingBytes = 0;
    return frame;
  }

  /** Drops held audio (barge-in: nothing queued may play). */
  reset(): void {
    this.pendingBytes = 0;
  }
}
