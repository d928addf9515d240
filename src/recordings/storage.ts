/**
 * Where recordings live. The interface is what an S3-compatible store would implement: a
 * recording is streamed in (the header, whose sizes are only known at the end, is written
 * last), then read whole or by byte range, and deleted. The default keeps files in the data
 * folder (`local-storage.ts`); `s3-storage.ts` keeps them in an S3-compatible bucket.
 */
import type { Readable } from 'node:stream';

/** A recording being written. Writes are applied in order; the object is not readable until complete. */
export interface RecordingUpload {
  /** Appends audio bytes after the space reserved for the header. */
  write(chunk: Buffer): Promise<void>;
  /**
   * Puts `header` in the reserved space and publishes the object under its key. An object store
   * would spool to a local file and upload it here (its parts cannot be rewritten).
   */
  complete(header: Buffer): Promise<StoredRecording>;
  /** Drops what was written. */
  abort(): Promise<void>;
}

/** A finished recording. */
export interface StoredRecording {
  readonly key: string;
  readonly sizeBytes: number;
}

/** An inclusive byte range, as HTTP Range requests name them. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Where a storage keeps recordings, kept with each one: a process that shares no folder with the
 * one that wrote a recording cannot reach it, and must say so rather than take it for missing.
 */
export interface RecordingPlaces {
  /** The folder finished recordings are in (its id), or null when every process reaches them (a bucket). */
  readonly finished: string | null;
  /** The folder unfinished uploads are written to (its id): only processes sharing it can finish what a crash left there. */
  readonly unfinished: string;
}

/** `complete` could not publish the recording, but kept it where `unfinished`/`recover` find it (a bucket refusing the upload). */
export class RecordingKeptError extends Error {
  constructor(options: { cause: unknown }) {
    super('the recording could not be published now; it is kept for a later try', options);
    this.name = 'RecordingKeptError';
  }
}

export interface RecordingStorage {
  /** Where this storage keeps recordings (the same for every process sharing its folder or bucket). */
  places(): Promise<RecordingPlaces>;
  /** Starts a recording under `key`, reserving `headerBytes` at its start. */
  begin(key: string, headerBytes: number): Promise<RecordingUpload>;
  /** The finished recording under `key`, or null. */
  stat(key: string): Promise<StoredRecording | null>;
  /**
   * Its bytes, whole or the given range (which the caller has checked against the size), or
   * null when nothing is stored under `key`: one request to an object store, and a missing
   * object is known before any byte is sent on.
   */
  read(key: string, range?: ByteRange): Promise<Readable | null>;
  /** Deletes a finished or unfinished recording; true when something was there. */
  delete(key: string): Promise<boolean>;
  /** Keys of uploads a crash left unfinished. */
  unfinished(): Promise<string[]>;
  /**
   * Finishes an upload a crash left behind: `repair` gets its size and returns the header to
   * write; the object is then published as if completed. Null when nothing usable was there.
   */
  recover(key: string, repair: (sizeBytes: number) => Buffer): Promise<StoredRecording | null>;
}
