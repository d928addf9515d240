/**
 * Writes one call's two-channel recording while the call runs: the callee on the left, the
 * agent on the right, 16-bit PCM at 8 kHz, from the μ-law frames Parley carried.
 *
 * The callee's frames set the clock (a carrier sends them every 20 ms, silence included).
 * Agent audio is placed where it starts playing: right after the agent audio already queued,
 * or now if the agent was quiet. Audio Parley sends ahead of time sits in the carrier's buffer
 * until played; a barge-in empties that buffer, so `cutAgent()` drops every agent sample past
 * the callee's clock: the right channel holds only what the callee could have heard. Everything
 * before the clock is final and goes to storage in one-second writes, so memory stays flat.
 */
import { MULAW_TO_LINEAR } from '../media/mulaw.js';
import type { RecordingUpload, StoredRecording } from './storage.js';
import { RECORDING_BLOCK_BYTES, RECORDING_SAMPLE_RATE_HZ, recordingHeader } from './wav-header.js';

const FLUSH_SAMPLES = RECORDING_SAMPLE_RATE_HZ; // write once a second of final audio is ready

/** A growable run of 16-bit samples starting at the recorder's flushed position. */
class SampleRun {
  samples = new Int16Array(RECORDING_SAMPLE_RATE_HZ * 2);
  length = 0;

  ensure(length: number): void {
    if (length <= this.samples.length) return;
    const grown = new Int16Array(Math.max(length, this.samples.length * 2));
    grown.set(this.samples.subarray(0, this.length));
    this.samples = grown;
  }

  /** Writes μ-law at `at` (zero-filling any gap) and returns the end position. */
  put(at: number, payload: Uint8Array): number {
    const end = at + payload.length;
    this.ensure(end);
    if (at > this.length) this.samples.fill(0, this.length, at);
    for (let i = 0; i < payload.length; i++) this.samples[at + i] = MULAW_TO_LINEAR[payload[i]!]!;
    this.length = Math.max(this.length, end);
    return end;
  }

  truncate(length: number): void {
    if (length < this.length) this.length = Math.max(0, length);
  }

  /** Drops the first `count` samples. */
  shift(count: number): void {
    this.samples.copyWithin(0, count, this.length);
    this.length = Math.max(0, this.length - count);
  }
}

/** What a finished recording holds. */
export interface RecordingSummary extends StoredRecording {
  readonly durationMs: number;
}

export class CallRecorder {
  private readonly callee = new SampleRun();
  private readonly agent = new SampleRun();
  /** Samples already written to storage. */
  private flushed = 0;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private finished = false;

  private readonly upload: Promise<RecordingUpload>;

  /** `upload` may still be opening: writes wait for it, so a line can be wrapped at once. */
  constructor(upload: RecordingUpload | Promise<RecordingUpload>) {
    this.upload = Promise.resolve(upload);
    this.upload.catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  /** The callee's clock: milliseconds of call audio so far. */
  get positionMs(): number {
    return ((this.flushed + this.callee.length) * 1000) / RECORDING_SAMPLE_RATE_HZ;
  }

  /** One frame heard from the callee (μ-law). */
  calleeAudio(payload: Uint8Array): void {
    if (this.finished) return;
    this.callee.put(this.callee.length, payload);
    if (this.callee.length >= FLUSH_SAMPLES) this.flush(this.callee.length);
  }

  /** Advances the clock with silence from the callee (a carrier that sends nothing while quiet). */
  calleeSilence(samples: number): void {
    if (this.finished || samples <= 0) return;
    this.callee.ensure(this.callee.length + samples);
    this.callee.samples.fill(0, this.callee.length, this.callee.length + samples);
    this.callee.length += samples;
    if (this.callee.length >= FLUSH_SAMPLES) this.flush(this.callee.length);
  }

  /** One frame sent to the callee (μ-law): it plays after the agent audio still queued, or now. */
  agentAudio(payload: Uint8Array): void {
    if (this.finished) return;
    this.agent.put(Math.max(this.agent.length, this.callee.length), payload);
  }

  /** The carrier's buffer was emptied (barge-in): agent audio not yet played is not on the record. */
  cutAgent(): void {
    this.agent.truncate(this.callee.length);
  }

  /** Resolves once everything handed to storage so far is written. */
  drained(): Promise<void> {
    return this.writing;
  }

  /** Writes the rest and the header; the recording is then in storage under its key. */
  async finish(): Promise<RecordingSummary> {
    if (this.finished) throw new Error('recording already finished');
    this.finished = true;
    this.flush(Math.max(this.callee.length, this.agent.length));
    await this.writing;
    if (this.failure) {
      await this.upload.then((upload) => upload.abort()).catch(() => undefined);
      throw this.failure;
    }
    const dataBytes = this.flushed * RECORDING_BLOCK_BYTES;
    const stored = await (await this.upload).complete(recordingHeader(dataBytes));
    return { ...stored, durationMs: Math.round((this.flushed * 1000) / RECORDING_SAMPLE_RATE_HZ) };
  }

  /** Drops the recording (for a call that turned out not to be recorded). */
  async discard(): Promise<void> {
    this.finished = true;
    await this.writing;
    await (await this.upload).abort();
  }

  private flush(count: number): void {
    if (count <= 0) return;
    const block = Buffer.alloc(count * RECORDING_BLOCK_BYTES);
    const left = this.callee.samples;
    const right = this.agent.samples;
    const leftLength = Math.min(count, this.callee.length);
    const rightLength = Math.min(count, this.agent.length);
    for (let i = 0; i < count; i++) {
      block.writeInt16LE(i < leftLength ? left[i]! : 0, i * 4);
      block.writeInt16LE(i < rightLength ? right[i]! : 0, i * 4 + 2);
    }
    this.callee.shift(Math.min(count, this.callee.length));
    this.agent.shift(Math.min(count, this.agent.length));
    this.flushed += count;
    this.writing = this.writing.then(async () => {
      if (!this.failure) await (await this.upload).write(block);
    }).catch((error: unknown) => {
      this.failure ??= error;
    });
  }
}

