/**
 * Recordings of calls: decides which calls are recorded (the call's own `recording`, else the
 * agent's), writes each behind the storage interface while the call runs, marks it ready (the
 * `call.recording_ready` webhook) or failed (`call.recording_failed`) when the call's audio ends,
 * finishes what is open at shutdown, has what a crash left finished (recording-recovery.ts),
 * serves and deletes recordings, and deletes those past retention.
 */
import { and, asc, eq, gt, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { CallLineRecords, RecordingRecord } from './call-line-records.js';
import { recordingPath, type CallRow } from './call-view.js';
import { RecordingRecovery, placeFields } from './recording-recovery.js';
import type { AgentSettings } from '../conversation/agent-settings.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Db } from '../store/database.js';
import { calls } from '../store/schema.js';
import type { AudioLine } from '../telephony/types.js';
import type { LineClock } from '../media/line-clock.js';
import { CallRecorder, type RecordingSummary } from '../recordings/call-recorder.js';
import { recordedLine } from '../recordings/recorded-line.js';
import { RecordingKeptError, type ByteRange, type RecordingStorage } from '../recordings/storage.js';
import { WAV_HEADER_BYTES } from '../recordings/wav-header.js';

/** Whether a call is recorded and what is said first, from the call's override and the agent. */
export function recordingSettingsOf(call: Pick<CallRow, 'lineOptions'>, agentSettings: AgentSettings): { enabled: boolean; disclosure: string | null } {
  const agent = agentSettings.recording ?? { enabled: false };
  const own = (call.lineOptions?.['recording'] ?? {}) as { enabled?: boolean; disclosure?: string | null };
  const enabled = own.enabled ?? agent.enabled ?? false;
  const disclosure = own.disclosure !== undefined ? own.disclosure : (agent.disclosure ?? null);
  return { enabled, disclosure: enabled ? disclosure : null };
}

const keyOf = (call: Pick<CallRow, 'orgId' | 'id'>) => `${call.orgId}/${call.id}.wav`;

export interface CallRecordingsOptions {
  readonly db: Db;
  readonly storage: RecordingStorage;
  readonly records: CallLineRecords;
  readonly log: Logger;
  /** Recordings of calls that ended longer ago than this are deleted; 0 keeps them. */
  readonly retentionDays: number;
  /** The server's public base URL (PARLEY_PUBLIC_URL): a finished recording's `url` is absolute on it. */
  readonly publicUrl?: string | undefined;
  /** No other process writes recordings for this database (PGlite): all that is unfinished at start-up is a crash's. */
  readonly exclusive?: boolean;
  /** Recordings a retention run looks at, in pages of `page`, at most `max` (default 200 and 5,000): the next hourly run goes on from the oldest left. */
  readonly sweepRows?: { readonly page: number; readonly max: number };
}

/**
 * How long shutdown waits for open recordings to be finished: a local file takes milliseconds, a
 * bucket's upload of a long call seconds. Past it the bytes stay on disk for the recovery; and
 * main.ts exits at 20 s whatever is left, so the queue and the store need the rest.
 */
const stopWaitMs = 10_000;

type RecordingBase = Pick<RecordingRecord, 'key' | 'started_at' | 'folder' | 'writer_folder'>;

export class CallRecordings {
  /** Whether the call will be recorded once its line is up. */
  expects(callId: string): boolean {
    return this.wanted.has(callId);
  }

  /** Calls whose line is to be recorded, decided when they are dialled. */
  private readonly wanted = new Map<string, CallRow>();
  /** Recordings being written here, by call: each finishes once (at its line's end, or at stop()). */
  private readonly writing = new Map<string, () => Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Sweeps and recovery rounds under way: stop() waits for them, so none outlives the store. */
  private readonly running = new Set<Promise<void>>();
  private readonly recovery: RecordingRecovery;

  constructor(private readonly options: CallRecordingsOptions) {
    this.recovery = new RecordingRecovery({
      ...options, exclusive: options.exclusive ?? false, urlOf: (callId) => this.absoluteUrl(callId),
      finishWriting: async (callId) => {
        const finish = this.writing.get(callId);
        if (finish) await finish();
        return finish !== undefined;
      },
    });
  }

  /** Called at dial: the call's answered line will be recorded. */
  expect(call: CallRow): void {
    this.wanted.set(call.id, call);
  }

  /** The call ended: forget it if its line never came. */
  forget(callId: string): void {
    this.wanted.delete(callId);
  }

  /**
   * The call's answered line, recorded when the call wants it: the recording starts now and is
   * finished when the line's frames end (or at shutdown). Returns the line to use.
   */
  wrap(callId: string, line: AudioLine, clock?: LineClock): AudioLine {
    const call = this.wanted.get(callId);
    if (!call) return line;
    this.wanted.delete(callId);
    const { storage, records, log } = this.options;
    const key = keyOf(call);
    const recorder = new CallRecorder(storage.begin(key, WAV_HEADER_BYTES), clock);
    const startedAt = new Date().toISOString();
    const base: Promise<RecordingBase> = storage.places().then(
      (places) => ({ key, started_at: startedAt, ...placeFields(places) }),
      (error: unknown) => {
        log.warn({ err: error, callId }, 'recording folder not known; the recording is kept without it');
        return { key, started_at: startedAt };
      },
    );
    const marked = base.then((fields) => records.recording(call.id, { ...fields, status: 'recording', size_bytes: null, duration_ms: null, ready_at: null })).then(
      () => undefined,
      (error: unknown) => log.warn({ err: error, callId }, 'recording state not stored'),
    );
    let finishing: Promise<void> | undefined;
    const finish = () => (finishing ??= this.finish(call.id, recorder, base, marked).finally(() => this.writing.delete(call.id)));
    this.writing.set(call.id, finish);
    // finish() never rejects: every failure ends in a stored state or a log line.
    return recordedLine(line, recorder, () => void finish());
  }

  /** Completes the recording and stores how it ended: ready, failed, or left for a later upload. */
  private async finish(callId: string, recorder: CallRecorder, base: Promise<RecordingBase>, marked: Promise<void>): Promise<void> {
    await marked;
    const fields = await base;
    let done: RecordingSummary | null;
    try {
      done = await recorder.finish();
    } catch (error) {
      if (error instanceof RecordingKeptError) {
        // Stays `recording`: the recovery publishes it once the store takes it (recording-recovery.ts).
        this.options.log.warn({ err: error, callId }, 'recording kept for a later upload');
        return;
      }
      this.options.log.error({ err: error, callId }, 'recording failed: nothing usable was stored');
      await this.store(callId, { ...fields, status: 'failed', size_bytes: null, duration_ms: null, ready_at: null }, 'call.recording_failed');
      return;
    }
    // Hung up before any audio crossed the line: nothing to keep, nothing to announce.
    if (!done) {
      await this.options.records.noRecording(callId, 'no_audio').catch((error: unknown) => this.options.log.error({ err: error, callId }, 'recording state not stored'));
      return;
    }
    await this.store(
      callId,
      { ...fields, status: 'ready', size_bytes: done.sizeBytes, duration_ms: done.durationMs, ready_at: new Date().toISOString(), url: this.absoluteUrl(callId) },
      'call.recording_ready',
    );
  }

  private async store(callId: string, record: RecordingRecord, event: 'call.recording_ready' | 'call.recording_failed'): Promise<void> {
    await this.options.records.recording(callId, record, event).catch((error: unknown) => {
      // The row still says `recording`: the recovery settles it from what the storage holds.
      this.options.log.error({ err: error, callId }, 'recording state not stored; the recovery settles it');
    });
  }

  /** The recording's URL on the server's public base URL, or null when the server does not know it (the API path is used). */
  absoluteUrl(callId: string): string | null {
    const base = this.options.publicUrl?.replace(/\/+$/, '');
    return base ? `${base}${recordingPath(callId)}` : null;
  }

  /** Whether this process reaches the folder the recording is in (absent: a bucket, or a recording from before folders were kept). */
  private async reaches(record: Partial<RecordingRecord>): Promise<boolean> {
    const { finished } = await this.options.storage.places();
    return finished === null || record.folder === undefined || record.folder === finished;
  }

  private unreachable(call: CallRow): AppError {
    return new AppError('RECORDING_UNREACHABLE', undefined, { details: { call_id: call.id } });
  }

  /** Finishes what a crash left (see recording-recovery.ts); returns how many. */
  recover(): Promise<number> {
    return this.recovery.atStart();
  }

  /** One round of the recovery: recordings still `recording` well after their call ended (run every minute). */
  finishAbandoned(): Promise<number> {
    return this.recovery.abandoned();
  }

  /** A call's finished recording, whole or a byte range ('invalid': a Range header that cannot be satisfied). */
  async open(call: CallRow, range: ByteRange | 'invalid' | undefined): Promise<{ stream: Readable; sizeBytes: number; range?: ByteRange }> {
    const record = call.recording as Partial<RecordingRecord> | null;
    if (record?.status === 'recording') throw new AppError('RECORDING_IN_PROGRESS', undefined, { details: { call_id: call.id } });
    if (!record?.key || (record.status !== 'ready' && record.status !== 'repaired')) {
      throw new AppError('RECORDING_NOT_FOUND', undefined, { details: { call_id: call.id, status: record?.status ?? null } });
    }
    // The size Parley stored it with (set when it became ready or repaired): one read, no lookup first.
    const sizeBytes = record.size_bytes ?? 0;
    if (range === 'invalid' || (range && range.start >= sizeBytes)) {
      throw new AppError('RANGE_NOT_SATISFIABLE', undefined, { details: { size_bytes: sizeBytes } });
    }
    const clipped = range ? { start: range.start, end: Math.min(range.end, sizeBytes - 1) } : undefined;
    const stream = await this.options.storage.read(record.key, clipped);
    if (!stream) {
      if (!(await this.reaches(record))) throw this.unreachable(call);
      throw new AppError('RECORDING_NOT_FOUND', undefined, { details: { call_id: call.id } });
    }
    return { stream, sizeBytes, ...(clipped ? { range: clipped } : {}) };
  }

  /**
   * Deletes a call's recording (file and link); the call keeps `status: deleted`. One in a folder
   * this process does not reach (another process's, not shared) stays as it is: refused, never
   * marked deleted. False when there is no recording to delete.
   */
  async delete(call: CallRow, why: 'requested' | 'retention' = 'requested'): Promise<boolean> {
    const record = call.recording as Partial<RecordingRecord> | null;
    if (!record?.key || record.status === 'deleted' || record.status === 'failed') return false;
    if (record.status === 'recording') throw new AppError('RECORDING_IN_PROGRESS', undefined, { details: { call_id: call.id } });
    if (!(await this.options.storage.delete(record.key))) {
      if (!(await this.reaches(record))) throw this.unreachable(call);
      this.options.log.warn({ callId: call.id, why }, 'recording file was already gone from its folder');
    }
    await this.options.records.recording(call.id, { ...(record as RecordingRecord), status: 'deleted' });
    this.options.log.info({ callId: call.id, why }, 'recording deleted');
    return true;
  }

  /**
   * Deletes recordings of calls that ended more than `retentionDays` ago, oldest first, in pages
   * (at most `sweepRows.max` a run), of the folder this process reaches. One that fails is logged
   * and skipped. Returns how many were deleted.
   */
  async sweep(now = new Date()): Promise<number> {
    if (this.options.retentionDays <= 0) return 0;
    const before = new Date(now.getTime() - this.options.retentionDays * 86_400_000);
    const { finished } = await this.options.storage.places();
    const reachable = finished === null ? undefined : or(sql`${calls.recording}->>'folder' is null`, sql`${calls.recording}->>'folder' = ${finished}`);
    const { page: sweepPageRows, max: sweepMaxRows } = this.options.sweepRows ?? { page: 200, max: 5_000 };
    let deleted = 0;
    let after: { endedAt: Date; id: string } | undefined;
    for (let looked = 0; looked < sweepMaxRows; looked += sweepPageRows) {
      const cursor: SQL | undefined = after && or(gt(calls.endedAt, after.endedAt), and(eq(calls.endedAt, after.endedAt), gt(calls.id, after.id)));
      const page = await this.options.db
        .select()
        .from(calls)
        .where(and(isNotNull(calls.recording), lt(calls.endedAt, before), sql`${calls.recording}->>'status' in ('ready', 'repaired')`, reachable, cursor))
        .orderBy(asc(calls.endedAt), asc(calls.id))
        .limit(sweepPageRows);
      for (const call of page) {
        try {
          if (await this.delete(call, 'retention')) deleted++;
        } catch (error) {
          this.options.log.warn({ err: error, callId: call.id }, 'recording past retention not deleted; the next sweep tries again');
        }
      }
      const last = page.at(-1);
      if (page.length < sweepPageRows || !last?.endedAt) break;
      after = { endedAt: last.endedAt, id: last.id };
    }
    return deleted;
  }

  /** Finishes what a crash left, then sweeps retention hourly and settles abandoned recordings every minute. */
  async start(): Promise<void> {
    // A recordings folder that cannot be read or written must not keep calls from being taken: each recording then ends `failed`.
    const repaired = await this.recover().catch((error: unknown) => {
      this.options.log.error({ err: error }, 'recordings left unfinished could not be looked for; the recovery rounds try again');
      return 0;
    });
    if (repaired > 0) this.options.log.warn({ repaired }, 'recordings left unfinished by a crash were repaired');
    this.every(3_600_000, 'recording retention sweep failed', () => this.sweep());
    this.every(60_000, 'recording recovery failed', () => this.finishAbandoned());
  }

  /** Runs `task` now and every `intervalMs`, never two at once. */
  private every(intervalMs: number, failure: string, task: () => Promise<unknown>): void {
    let running: Promise<void> | undefined;
    const tick = () => {
      if (running) return;
      running = task()
        .then(() => undefined, (error: unknown) => this.options.log.warn({ err: error }, failure))
        .finally(() => {
          this.running.delete(run);
          running = undefined;
        });
      const run = running;
      this.running.add(run);
    };
    tick();
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  /**
   * Stops the timers and finishes every recording still open here (its line may not have ended
   * yet), waiting at most `waitMs`; one still unfinished then is a `.partial` the recovery repairs.
   */
  async stop(waitMs = stopWaitMs): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    const open = [...this.running, ...[...this.writing.values()].map((finish) => finish())];
    if (open.length === 0) return;
    const finished = await Promise.race([Promise.all(open).then(() => true), delay(waitMs, false, { ref: false })]);
    if (!finished) this.options.log.warn({ open: this.writing.size }, 'recordings still finishing at shutdown; the recovery finishes them');
  }
}
