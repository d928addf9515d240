/** 16-bit PCM WAV: reading what espeak-ng writes to stdout (and labelled sets), writing mono files (a transfer briefing Twilio plays, test sets). */

/** Mono (first channel) samples and their rate. */
export interface Pcm16 {
  readonly samples: Int16Array;
  readonly sampleRateHz: number;
}

/**
 * Parses a RIFF/WAVE buffer of 16-bit PCM. A WAV streamed to a pipe cannot be rewound to fix
 * its sizes, so espeak-ng leaves them as placeholders: a data size past the end of the buffer
 * (or zero) means "the rest of the buffer".
 */
export function parseWav(buffer: Buffer): Pcm16 {
  if (buffer.length < 12 || buffer.toString('ascii', 0, 4) !== 'RIFF' || buffer.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE buffer');
  }
  let offset = 12;
  let channels = 0;
  let sampleRateHz = 0;
  let bitsPerSample = 0;
  let format = 0;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('ascii', offset, offset + 4);
    const declared = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = buffer.readUInt16LE(body);
      channels = buffer.readUInt16LE(body + 2);
      sampleRateHz = buffer.readUInt32LE(body + 4);
      bitsPerSample = buffer.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (format !== 1 || bitsPerSample !== 16 || channels < 1) throw new Error('only 16-bit PCM WAV is supported');
      const size = declared === 0 || body + declared > buffer.length ? buffer.length - body : declared;
      const frameBytes = 2 * channels;
      const count = Math.floor(size / frameBytes);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = buffer.readInt16LE(body + i * frameBytes);
      return { samples, sampleRateHz };
    }
    offset = body + declared + (declared % 2);
  }
  throw new Error('WAV has no data chunk');
}

/** Writes 16-bit mono PCM as a WAV. */
export function writeWav(samples: Int16Array, sampleRateHz: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length * 2, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRateHz, 24);
  header.writeUInt32LE(sampleRateHz * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length * 2, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}
