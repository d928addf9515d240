/**
 * Finishes recordings their writer did not. At start-up: the uploads a crash left in this
 * process's folder. Then every minute: any recording still `recording` well after its call ended
 * (its writer died, or a bucket refused its upload and the bytes wait in the spool folder). What
 * another live process may still be writing in a shared folder is left alone: the call's row
 * says whether the call is live, or ended so lately that its writer may still be finishing.
 */
import { and, asc, eq, lt, or, sql } from 'drizzle-orm';
import type { CallLineRecords, RecordingRecord } from './call-line-records.js';
import { isTerminal, type CallStatus } from './call-status.js';
import type { Logger } from '../shared/logger.js';
import type { Db } from '../store/database.js';
import { calls } from '../store/schema.js';
import type { RecordingPlaces, RecordingStorage, StoredRecording } from '../recordings/storage.js';
import { recordingHeader, repairedDataBytes } from '../recordings/wav-header.js';

/**
 * How long after its call ended a recording may still be finishing on the process that wrote it:
 * a local file takes milliseconds, a bucket's upload is tried for 26 s (1, 5, 20 s waits) and a
 * one-hour recording is 115 MB. Only past this does another process take it over.
 */
export const finishingGraceMs = 5 * 60_000;

/** Rows looked at per recovery run (each costs a file or bucket request). */
const maxPerRun = 100;

/** The storage's folders as a recording keeps them. */
export function placeFields(places: RecordingPlaces): Pick<RecordingRecord, 'folder' | 'writer_folder'> {
  return { ...(places.finished === null ? {} : { folder: places.finished }), writer_folder: places.unfinished };
}

export interface RecordingRecoveryOptions {
  readonly db: Db;
  readonly storage: RecordingStorage;
  readonly records: CallLineRecords;
  readonly log: Logger;
  /** No other process writes recordings for this database (PGlite): all that is unfinished at start-up is a crash's. */
  readonly exclusive: boolean;
  /** The finished recording's absolute URL, when the server knows its public base URL. */
  readonly urlOf: (callId: string) => string | null;
  /** Finishes the call's recording if this process is still writing it (as its line's end would); false if it is not. */
  readonly finishWriting: (callId: string) => Promise<boolean>;
}

export class RecordingRecovery {
  constructor(private readonly options: RecordingRecoveryOptions) {}

  /**
   * Repairs the uploads a crash left unfinished in this process's folder (their header rewritten
   * from what reached the disk). Returns how many it finished. One whose store is unreachable now,
   * or whose call may still be recorded by another process, is left for the periodic run.
   */
  async atStart(now = new Date()): Promise<number> {
    const { db, storage, exclusive, log } = this.options;
    const places = await storage.places();
    let finished = 0;
    for (const key of await storage.unfinished()) {
      const callId = /([^/]+)\.wav$/.exec(key)?.[1];
      if (!callId) continue;
      const [row] = await db.select({ status: calls.status, endedAt: calls.endedAt, recording: calls.recording }).from(calls).where(eq(calls.id, callId));
      const record = (row?.recording ?? undefined) as Partial<RecordingRecord> | undefined;
      if (!exclusive && row && record?.status === 'recording' && mayStillBeWritten(row, now)) {
        log.info({ callId }, 'an unfinished recording may still be written by another process; left to it');
        continue;
      }
      if (await this.finishOne(callId, key, record, places)) finished++;
    }
    return finished;
  }

  /** Finishes recordings still `recording` past the grace after their call's end, in this process's folder. */
  async abandoned(now = new Date()): Promise<number> {
    const { db, storage } = this.options;
    const places = await storage.places();
    const rows = await db
      .select({ id: calls.id, recording: calls.recording })
      .from(calls)
      .where(and(
        sql`${calls.recording}->>'status' = 'recording'`,
        lt(calls.endedAt, new Date(now.getTime() - finishingGraceMs)),
        // Written here, or before recordings said where (one process then).
        or(sql`${calls.recording}->>'writer_folder' is null`, sql`${calls.recording}->>'writer_folder' = ${places.unfinished}`),
      ))
      .orderBy(asc(calls.endedAt))
      .limit(maxPerRun);
    let finished = 0;
    for (const row of rows) {
      // Still written here: its line outlived its call by minutes (or an upload is slow), so it is finished now, or waited for.
      if (await this.options.finishWriting(row.id)) continue;
      const record = row.recording as Partial<RecordingRecord>;
      if (!record.key) continue;
      if (await this.finishOne(row.id, record.key, record, places)) finished++;
    }
    return finished;
  }

  /**
   * Publishes what is left of one recording: a repaired partial, an upload left in the spool, or
   * a file finished before its state could be stored. Nothing there: a recording still waiting
   * for it ends `failed`. The store unreachable: left for the next run. True when published.
   */
  private async finishOne(callId: string, key: string, before: Partial<RecordingRecord> | undefined, places: RecordingPlaces): Promise<boolean> {
    const { storage, records, log } = this.options;
    let stored: StoredRecording | null;
    let repaired = true;
    try {
      stored = await storage.recover(key, (size) => recordingHeader(repairedDataBytes(size)));
      if (!stored && before?.status === 'recording') {
        stored = await storage.stat(key);
        repaired = false;
      }
    } catch (error) {
      log.warn({ err: error, callId }, 'an unfinished recording could not be finished now; tried again later');
      return false;
    }
    const now = new Date().toISOString();
    const base = { key, started_at: before?.started_at ?? now, ...placeFields(places) };
    if (!stored) {
      if (before?.status !== 'recording') return false;
      log.error({ callId }, 'a recording its writer did not finish left nothing usable');
      await records.recording(callId, { ...base, status: 'failed', size_bytes: null, duration_ms: null, ready_at: null }, 'call.recording_failed');
      return false;
    }
    const dataBytes = repairedDataBytes(stored.sizeBytes);
    await records.recording(
      callId,
      {
        ...base, status: repaired ? 'repaired' : 'ready', size_bytes: stored.sizeBytes, duration_ms: Math.round(dataBytes / 32), ready_at: now,
        url: this.options.urlOf(callId),
      },
      'call.recording_ready',
    );
    return true;
  }
}

/** The call is live, or ended so lately that the process recording it may still be finishing. */
function mayStillBeWritten(row: { status: string; endedAt: Date | null }, now: Date): boolean {
  if (!isTerminal(row.status as CallStatus)) return true;
  return !row.endedAt || now.getTime() - row.endedAt.getTime() < finishingGraceMs;
}
