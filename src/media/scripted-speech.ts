/**
 * Scripted speech: text carried in-band in μ-law audio, so the scripted TTS and STT (and the
 * vendor fakes) can run the whole audio path end to end with no accounts and no models.
 *
 * The format. Every character of the text gets a slot of `msPerChar` (default 65 ms, a
 * speaking pace near 150 words a minute), so audio length, barge-in and endpointing behave
 * as they would with speech. A slot repeats one small packet, sample after sample:
 *
 *   SYNC, seq hi, seq lo, byte count, UTF-8 bytes as nibbles (high first), CRC-8 hi, CRC-8 lo
 *
 * One symbol is one μ-law sample. A data nibble n is the code of exponent 6, mantissa n
 * (|x| between 4092 and 11772, about -12 dBFS); SYNC is exponent 7, mantissa 15 (|x| 32124).
 * The sign follows a pseudo-random sequence and carries no data, so the signal reads as loud
 * broadband noise to a VAD and an answering-machine detector: a steady 400 Hz square carrier (the
 * earlier sign) held most of its energy in one frequency for the 200 ms a beep detector needs,
 * so a simulated person saying "Yes, that works" was heard as a machine's beep. `seq` (mod 256) numbers the characters so repeated letters stay apart.
 *
 * Why it survives the phone path: the decoder is a byte-stream parser, so any re-chunking
 * (20 ms frames, odd TTS chunk sizes) is invisible; a packet cut by padding (0xFF) or a lost
 * frame fails its CRC and the slot's next repetition (a 65 ms slot holds ~60 of them) is
 * used instead; a character is accepted only after two identical packets, so random audio
 * does not decode to text. Truncated audio decodes to the characters whose slots were heard,
 * which is exactly "what the callee heard" after a barge-in. It needs a lossless μ-law path
 * (no gain, no transcoding); every path in Parley's simulated network is one.
 */
import { SAMPLE_RATE_HZ } from './frames.js';

const SAMPLES_PER_MS = SAMPLE_RATE_HZ / 1000;
const SYNC = 16;
const INVALID = 255;
/** A run of non-symbols this long (50 ms) ends a stretch of speech: the next packet starts afresh. */
const RESET_GAP_SAMPLES = 50 * SAMPLES_PER_MS;
/** Longest packet: sync, 2 seq, 1 length, 8 data nibbles, 2 CRC. */
const MAX_PACKET_SYMBOLS = 14;
/** Shortest slot that still holds two packets of a 4-byte character. */
const MIN_MS_PER_CHAR = 4;

/** μ-law code of a symbol: exponent 6 (data) or 7 mantissa 15 (sync), with the sign sequence's bit. */
function codeOf(symbol: number, negative: boolean): number {
  const magnitude = symbol === SYNC ? 0x7f : 0x60 | symbol;
  return ~((negative ? 0x80 : 0) | magnitude) & 0xff;
}

const SYMBOL_OF_CODE: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(INVALID);
  for (let symbol = 0; symbol <= SYNC; symbol++) {
    table[codeOf(symbol, false)] = symbol;
    table[codeOf(symbol, true)] = symbol;
  }
  return table;
})();

const CRC8_TABLE: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    table[i] = crc;
  }
  return table;
})();

function crc8(bytes: ArrayLike<number>, count: number): number {
  let crc = 0;
  for (let i = 0; i < count; i++) crc = CRC8_TABLE[crc ^ bytes[i]!]!;
  return crc;
}

/** Speaking pace of scripted speech: milliseconds per character, or words per minute. */
export interface ScriptedSpeechPace {
  /** Default 65. */
  readonly msPerChar?: number;
  /** Converted at six characters per word (five letters and a space); wins over msPerChar. */
  readonly wordsPerMinute?: number;
}

/** Resolves a pace to milliseconds per character. */
export function msPerCharOf(pace: ScriptedSpeechPace = {}): number {
  const ms = pace.wordsPerMinute !== undefined ? 60_000 / (pace.wordsPerMinute * 6) : (pace.msPerChar ?? 65);
  if (!(ms >= MIN_MS_PER_CHAR)) throw new RangeError(`scripted speech needs at least ${MIN_MS_PER_CHAR} ms per character`);
  return ms;
}

/**
 * Stateful encoder for one voice: the character counter and the sign sequence continue
 * across calls, so audio encoded piece by piece decodes exactly like one long piece.
 */
export class ScriptedSpeechEncoder {
  readonly msPerChar: number;
  private seq = 0;
  private sampleIndex = 0;
  private slotRemainder = 0;

  constructor(pace: ScriptedSpeechPace = {}) {
    this.msPerChar = msPerCharOf(pace);
  }

  /** Audio duration `text` will take at this pace. */
  durationMsOf(text: string): number {
    return [...text].length * this.msPerChar;
  }

  /** Encodes `text` as μ-law audio, one slot per character. */
  encode(text: string): Buffer {
    const chars = [...text];
    const slotSamples = this.msPerChar * SAMPLES_PER_MS;
    // Slots are whole samples; the fractional part carries over so long texts keep the exact pace.
    const sizes: number[] = [];
    let total = 0;
    for (let i = 0; i < chars.length; i++) {
      const exact = slotSamples + this.slotRemainder;
      const size = Math.floor(exact);
      this.slotRemainder = exact - size;
      sizes.push(size);
      total += size;
    }
    const out = Buffer.alloc(total);
    const packet = new Uint8Array(MAX_PACKET_SYMBOLS);
    let offset = 0;
    for (let i = 0; i < chars.length; i++) {
      const length = this.packetOf(chars[i]!, packet);
      const size = sizes[i]!;
      for (let j = 0; j < size; j++) {
        // A Weyl sequence's top bit: no tone, same sequence every run.
        const negative = Math.imul(this.sampleIndex, 0x9e3779b1) >>> 31 === 1;
        out[offset + j] = codeOf(packet[j % length]!, negative);
        this.sampleIndex++;
      }
      offset += size;
      this.seq = (this.seq + 1) & 0xff;
    }
    return out;
  }

  /** Starts the character count and sign sequence again (a new voice). */
  reset(): void {
    this.seq = 0;
    this.sampleIndex = 0;
    this.slotRemainder = 0;
  }

  private packetOf(char: string, packet: Uint8Array): number {
    const bytes = Buffer.from(char, 'utf8');
    const header = [this.seq, bytes.length, ...bytes];
    const crc = crc8(header, header.length);
    let n = 0;
    packet[n++] = SYNC;
    packet[n++] = this.seq >> 4;
    packet[n++] = this.seq & 0x0f;
    packet[n++] = bytes.length;
    for (const byte of bytes) {
      packet[n++] = byte >> 4;
      packet[n++] = byte & 0x0f;
    }
    packet[n++] = crc >> 4;
    packet[n++] = crc & 0x0f;
    return n;
  }
}

/**
 * Stateful decoder for one audio direction: push audio of any chunking, get back the
 * characters completed in it. Allocates only when a character is accepted.
 */
export class ScriptedSpeechDecoder {
  private readonly nibbles = new Uint8Array(MAX_PACKET_SYMBOLS);
  private readonly bytes = new Uint8Array(6);
  private readonly candidate = new Uint8Array(6);
  private collecting = false;
  private count = 0;
  private needed = 0;
  private candidateLength = -1;
  private lastSeq = -1;
  private gapSamples = 0;
  private samples = 0;
  private lastCharEndSamples = -1;

  /** Audio time consumed so far. */
  get elapsedMs(): number {
    return this.samples / SAMPLES_PER_MS;
  }

  /** Audio time at which the last character was accepted, or -1. */
  get lastCharAtMs(): number {
    return this.lastCharEndSamples < 0 ? -1 : this.lastCharEndSamples / SAMPLES_PER_MS;
  }

  /** Consumes audio; returns the characters accepted in it ('' when none). */
  push(audio: Uint8Array): string {
    let text = '';
    for (let i = 0; i < audio.length; i++) {
      this.samples++;
      const symbol = SYMBOL_OF_CODE[audio[i]!]!;
      if (symbol === INVALID) {
        this.collecting = false;
        if (++this.gapSamples >= RESET_GAP_SAMPLES) {
          this.lastSeq = -1;
          this.candidateLength = -1;
        }
        continue;
      }
      this.gapSamples = 0;
      if (symbol === SYNC) {
        this.collecting = true;
        this.count = 0;
        this.needed = 3;
        continue;
      }
      if (!this.collecting) continue;
      this.nibbles[this.count++] = symbol;
      if (this.count === 3) {
        const length = symbol;
        if (length < 1 || length > 4) {
          this.collecting = false;
          continue;
        }
        this.needed = 5 + 2 * length;
      }
      if (this.count === this.needed) {
        this.collecting = false;
        const accepted = this.completePacket();
        if (accepted) text += accepted;
      }
    }
    return text;
  }

  /** Forgets partial packets and the character counter (a new stream). */
  reset(): void {
    this.collecting = false;
    this.candidateLength = -1;
    this.lastSeq = -1;
    this.gapSamples = 0;
  }

  private completePacket(): string | null {
    const length = this.nibbles[2]!;
    const bytes = this.bytes;
    bytes[0] = (this.nibbles[0]! << 4) | this.nibbles[1]!;
    bytes[1] = length;
    for (let k = 0; k < length; k++) bytes[2 + k] = (this.nibbles[3 + 2 * k]! << 4) | this.nibbles[4 + 2 * k]!;
    const crc = (this.nibbles[3 + 2 * length]! << 4) | this.nibbles[4 + 2 * length]!;
    if (crc8(bytes, 2 + length) !== crc) return null;
    const size = 2 + length;
    let same = this.candidateLength === size;
    for (let k = 0; same && k < size; k++) same = this.candidate[k] === bytes[k];
    if (!same) {
      this.candidate.set(bytes.subarray(0, size));
      this.candidateLength = size;
      return null;
    }
    const seq = bytes[0]!;
    if (seq === this.lastSeq) return null;
    this.lastSeq = seq;
    this.lastCharEndSamples = this.samples;
    return Buffer.from(bytes.subarray(2, size)).toString('utf8');
  }
}

/** Encodes `text` in one go (a fresh encoder). */
export function encodeScriptedSpeech(text: string, pace: ScriptedSpeechPace = {}): Buffer {
  return new ScriptedSpeechEncoder(pace).encode(text);
}

/** Decodes all the text carried by `audio` (a fresh decoder). */
export function decodeScriptedSpeech(audio: Uint8Array): string {
  return new ScriptedSpeechDecoder().push(audio);
}
