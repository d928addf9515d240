// FrameChunker: exact 20 ms frames from any chunking, silence padding on flush.
import { describe, expect, it } from 'vitest';
import { FrameChunker } from './frame-chunker.js';

function bytes(count: number, start = 0): Buffer {
  return Buffer.from(Array.from({ length: count }, (_, i) => (start + i) % 256));
}

describe('FrameChunker', () => {
  it('cuts a long buffer into exact 160-byte frames and keeps the rest', () => {
    const chunker = new FrameChunker();
    const frames = chunker.push(bytes(400));
    expect(frames.map((f) => f.length)).toEqual([160, 160]);
    expect(chunker.bufferedBytes).toBe(80);
    expect(frames[1]![0]).toBe(160);
  });

  it('joins small pieces across pushes in order', () => {
    const chunker = new FrameChunker();
    const all = bytes(330);
    const frames: Buffer[] = [];
    for (let offset = 0; offset < all.length; offset += 7) frames.push(...chunker.push(all.subarray(offset, offset + 7)));
    expect(frames.map((f) => f.length)).toEqual([160, 160]);
    expect(Buffer.concat(frames)).toEqual(all.subarray(0, 320));
    const last = chunker.flush()!;
    expect(last.subarray(0, 10)).toEqual(all.subarray(320));
  });

  it('pads the final partial frame with μ-law silence on flush', () => {
    const chunker = new FrameChunker();
    chunker.push(bytes(50, 1));
    const frame = chunker.flush()!;
    expect(frame.length).toBe(160);
    expect(frame.subarray(0, 50)).toEqual(bytes(50, 1));
    expect([...frame.subarray(50)].every((b) => b === 0xff)).toBe(true);
    expect(chunker.flush()).toBeNull();
  });

  it('returns frames the caller owns: later pushes do not overwrite them', () => {
    const chunker = new FrameChunker();
    chunker.push(bytes(100, 0));
    const [first] = chunker.push(bytes(100, 100));
    const snapshot = Buffer.from(first!);
    chunker.push(bytes(300, 7));
    chunker.flush();
    expect(first).toEqual(snapshot);
  });

  it('drops held audio on reset', () => {
    const chunker = new FrameChunker({ frameBytes: 4 });
    expect(chunker.push(bytes(6)).length).toBe(1);
    chunker.reset();
    expect(chunker.bufferedBytes).toBe(0);
    expect(chunker.flush()).toBeNull();
  });

  it('rejects a frame size that is not a positive integer', () => {
    expect(() => new FrameChunker({ frameBytes: 0 })).toThrow(RangeError);
  });
});
