/** The 44-byte RIFF/WAVE header of Parley's recordings: 16-bit PCM, two channels, 8 kHz. */

export const RECORDING_SAMPLE_RATE_HZ = 8000;
export const RECORDING_CHANNELS = 2;
export const WAV_HEADER_BYTES = 44;
/** Bytes per sample frame: two channels of 16 bits. */
export const RECORDING_BLOCK_BYTES = 4;

/** The header for `dataBytes` of interleaved samples (left = callee, right = agent). */
export function recordingHeader(dataBytes: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM: what every browser's <audio> plays
  header.writeUInt16LE(RECORDING_CHANNELS, 22);
  header.writeUInt32LE(RECORDING_SAMPLE_RATE_HZ, 24);
  header.writeUInt32LE(RECORDING_SAMPLE_RATE_HZ * RECORDING_BLOCK_BYTES, 28);
  header.writeUInt16LE(RECORDING_BLOCK_BYTES, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** The data size a header declares, or undefined when `bytes` is not one of Parley's headers. */
export function declaredDataBytes(bytes: Buffer): number | undefined {
  if (bytes.length < WAV_HEADER_BYTES) return undefined;
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 36, 40) !== 'data') return undefined;
  return bytes.readUInt32LE(40);
}

/**
 * Whole sample frames in a file of `fileBytes` (a crash can leave half a frame at the end):
 * what a repaired header declares.
 */
export function repairedDataBytes(fileBytes: number): number {
  const data = Math.max(0, fileBytes - WAV_HEADER_BYTES);
  return data - (data % RECORDING_BLOCK_BYTES);
}
