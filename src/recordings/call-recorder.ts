/**
 * Writes one call's two-channel recording while the call runs: the callee on the left, the
 * agent on the right, 16-bit PCM at 8 kHz, from the μ-law frames Parley carried.
 *
 * The line's clock sets the timeline. The callee's frames are laid end to end (a carrier sends
 * them every 20 ms, silence included), so "now" on the recording is where the last one ended plus
 * the line time since it came; a line that stops sending them (a browser whose microphone went
 * quiet) still moves on, and the callee's channel gets silence once it is `calleeLateMs` behind.
 * Agent audio is placed where it starts playing: right after the agent audio still queued, or
 * now if the agent was quiet. Audio Parley sends ahead of time sits in the carrier's buffer until
 * played; a barge-in empties that buffer and the line's end drops it, so `cutAgent()` and
 * `finish()` drop every agent sample past "now": the right channel holds only what the callee
 * could have heard. Everything before "now" is final and goes to storage in one-second writes,
 * so memory stays flat however long the call and whoever stops sending.
 */
import { MULAW_TO_LINEAR } from '../media/mulaw.js';
import { realLineClock, type LineClock } from '../media/line-clock.js';
import type { RecordingUpload, StoredRecording } from './storage.js';
import { RECORDING_BLOCK_BYTES, RECORDING_SAMPLE_RATE_HZ, recordingHeader } from './wav-header.js';

const FLUSH_SAMPLES = RECORDING_SAMPLE_RATE_HZ; // write once a second of final audio is ready
const SAMPLES_PER_MS = RECORDING_SAMPLE_RATE_HZ / 1000;
/**
 * How far the callee's frames may lag the line clock before their channel is filled with
 * silence. Frames held up and then delivered in a burst (a network stall; the simulated network,
 * which catches up after its process stalls, 200 ms at speed 10 on a loaded machine) must still
 * land where they belong, or the silence put in their place would shift the rest of the call.
 * Costs 2 s more in memory on a line that stopped sending, never the call.
 */
const calleeLateMs = 2000;
/** A second of silence on both channels, written as often as a quiet stretch needs. */
const SILENT_BLOCK = Buffer.alloc(FLUSH_SAMPLES * RECORDING_BLOCK_BYTES);

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

  /** Appends `count` samples of silence. */
  silence(count: number): void {
    this.ensure(this.length + count);
    this.samples.fill(0, this.length, this.length + count);
    this.length += count;
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
  /** Where the callee's last frame ended (samples) and the line time it came at. */
  private anchor = { samples: 0, atMs: 0 };
  private readonly startedRealMs = Date.now();
  /** Any audio crossed the line, either way. */
  private carried = false;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private finished = false;

  private readonly upload: Promise<RecordingUpload>;

  /**
   * `upload` may still be opening: writes wait for it, so a line can be wrapped at once. `clock`
   * is the line's (the simulated network runs faster than real time).
   */
  constructor(
    upload: RecordingUpload | Promise<RecordingUpload>,
    private readonly clock: Pick<LineClock, 'elapsedMs'> = realLineClock,
  ) {
    this.upload = Promise.resolve(upload);
    this.upload.catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  /** Samples held in memory, not yet written (both channels). */
  get bufferedSamples(): number {
    return this.callee.length + this.agent.length;
  }

  /** One frame heard from the callee (μ-law). */
  calleeAudio(payload: Uint8Array): void {
    if (this.finished) return;
    this.carried = true;
    this.callee.put(this.callee.length, payload);
    this.anchor = { samples: this.flushed + this.callee.length, atMs: this.clock.elapsedMs(this.startedRealMs) };
    if (this.callee.length >= FLUSH_SAMPLES) this.flush(this.callee.length);
  }

  /** One frame sent to the callee (μ-law): it plays after the agent audio still queued, or now. */
  agentAudio(payload: Uint8Array): void {
    if (this.finished) return;
    this.carried = true;
    const now = this.catchUp(calleeLateMs);
    this.agent.put(Math.max(this.agent.length, now - this.flushed), payload);
  }

  /** The carrier's buffer was emptied (barge-in): agent audio not yet played is not on the record. */
  cutAgent(): void {
    if (this.finished) return;
    this.agent.truncate(this.now(this.clock.elapsedMs(this.startedRealMs)) - this.flushed);
  }

  /** Resolves once everything handed to storage so far is written. */
  drained(): Promise<void> {
    return this.writing;
  }

  /**
   * The line ended: writes the call up to now (agent audio still in the carrier's buffer was
   * never played) and the header; the recording is then in storage under its key. Null when the
   * line carried no audio either way (hung up at once): there is nothing to hear, and the upload
   * is dropped.
   */
  async finish(): Promise<RecordingSummary | null> {
    if (this.finished) throw new Error('recording already finished');
    if (!this.carried) {
      await this.discard();
      return null;
    }
    const end = this.catchUp(0);
    this.finished = true;
    this.agent.truncate(end - this.flushed);
    this.flush(this.callee.length);
    await this.writing;
    if (this.failure) {
      await this.upload.then((upload) => upload.abort()).catch(() => undefined);
      throw this.failure;
    }
    const dataBytes = this.flushed * RECORDING_BLOCK_BYTES;
    const stored = await (await this.upload).complete(recordingHeader(dataBytes));
    return { ...stored, durationMs: Math.round(this.flushed / SAMPLES_PER_MS) };
  }

  /** Drops the recording (for a call that turned out not to be recorded). */
  async discard(): Promise<void> {
    this.finished = true;
    await this.writing;
    await (await this.upload).abort();
  }

  /** "Now" on the recording (samples) at line time `atMs`: where the callee's frames end, or later if they stopped coming. */
  private now(atMs: number): number {
    const { samples, atMs: since } = this.anchor;
    return Math.max(this.flushed + this.callee.length, samples + Math.round(Math.max(0, atMs - since) * SAMPLES_PER_MS));
  }

  /**
   * Fills the callee's channel with silence up to `lateMs` before now, writing each second as it
   * is done (a long quiet stretch on both sides costs one shared block, not memory). Returns now.
   */
  private catchUp(lateMs: number): number {
    const now = this.now(this.clock.elapsedMs(this.startedRealMs));
    const until = now - Math.round(lateMs * SAMPLES_PER_MS);
    while (this.flushed + this.callee.length < until) {
      if (this.callee.length === 0 && this.agent.length === 0 && until - this.flushed >= FLUSH_SAMPLES) {
        this.write(SILENT_BLOCK, FLUSH_SAMPLES);
        continue;
      }
      this.callee.silence(Math.min(until - this.flushed - this.callee.length, FLUSH_SAMPLES - this.callee.length));
      if (this.callee.length >= FLUSH_SAMPLES) this.flush(this.callee.length);
    }
    return now;
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
    this.callee.shift(leftLength);
    this.agent.shift(rightLength);
    this.write(block, count);
  }

  /** Hands `samples` sample frames to storage, in order. */
  private write(block: Buffer, samples: number): void {
    this.flushed += samples;
    this.writing = this.writing
      .then(async () => {
        if (!this.failure) await (await this.upload).write(block);
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      });
  }
}
