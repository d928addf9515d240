/**
 * Recordings of calls: decides which calls are recorded (the call's own `recording`, else the
 * agent's), writes each behind the storage interface while the call runs, marks it ready (the
 * `call.recording_ready` webhook) when the call's audio ends, repairs what a crash left
 * unfinished at start-up, serves and deletes recordings, and deletes those past retention.
 */
import { and, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { Readable } from 'node:stream';
import type { CallLineRecords, RecordingRecord } from './call-line-records.js';
import { recordingPath, type CallRow } from './call-view.js';
import type { AgentSettings } from '../conversation/agent-settings.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Db } from '../store/database.js';
import { calls } from '../store/schema.js';
import type { AudioLine } from '../telephony/types.js';
import type { LineClock } from '../media/line-clock.js';
import { CallRecorder } from '../recordings/call-recorder.js';
import { recordedLine } from '../recordings/recorded-line.js';
import type { ByteRange, RecordingStorage } from '../recordings/storage.js';
import { WAV_HEADER_BYTES, recordingHeader, repairedDataBytes } from '../recordings/wav-header.js';

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
}

export class CallRecordings {
  /** Whether the call will be recorded once its line is up. */
  expects(callId: string): boolean {
    return this.wanted.has(callId);
  }

  /** Calls whose line is to be recorded, decided when they are dialled. */
  private readonly wanted = new Map<string, CallRow>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: CallRecordingsOptions) {}

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
   * finished when the line's frames end. Returns the line to use.
   */
  wrap(callId: string, line: AudioLine, clock?: LineClock): AudioLine {
    const call = this.wanted.get(callId);
    if (!call) return line;
    this.wanted.delete(callId);
    const key = keyOf(call);
    const recorder = new CallRecorder(this.options.storage.begin(key, WAV_HEADER_BYTES), clock);
    const startedAt = new Date().toISOString();
    const marked = this.options.records
      .recording(call.id, { key, status: 'recording', size_bytes: null, duration_ms: null, started_at: startedAt, ready_at: null })
      .catch((error: unknown) => this.options.log.warn({ err: error, callId }, 'recording state not stored'));
    return recordedLine(line, recorder, () => {
      void (async () => {
        await marked;
        const done = await recorder.finish();
        // Hung up before any audio crossed the line: nothing to keep, nothing to announce.
        if (!done) {
          await this.options.records.noRecording(call.id, 'no_audio');
          return;
        }
        await this.options.records.recording(
          call.id,
          {
            key, status: 'ready', size_bytes: done.sizeBytes, duration_ms: done.durationMs, started_at: startedAt, ready_at: new Date().toISOString(),
            url: this.absoluteUrl(call.id),
          },
          'call.recording_ready',
        );
      })().catch((error: unknown) => this.options.log.error({ err: error, callId: call.id }, 'recording could not be finished'));
    });
  }

  /** The recording's URL on the server's public base URL, or null when the server does not know it (the API path is used). */
  absoluteUrl(callId: string): string | null {
    const base = this.options.publicUrl?.replace(/\/+$/, '');
    return base ? `${base}${recordingPath(callId)}` : null;
  }

  /**
   * Repairs recordings a crash left unfinished (their header is rewritten from what reached the
   * disk). One that cannot be finished now (its store is unreachable) is left for the next start.
   */
  async recover(): Promise<number> {
    let repaired = 0;
    for (const key of await this.options.storage.unfinished()) {
      const stored = await this.options.storage.recover(key, (size) => recordingHeader(repairedDataBytes(size))).catch((error: unknown) => {
        this.options.log.warn({ err: error, key }, 'recording left unfinished could not be finished now; the next start tries again');
        return null;
      });
      const callId = /([^/]+)\.wav$/.exec(key)?.[1];
      if (!stored || !callId) continue;
      const [row] = await this.options.db.select({ recording: calls.recording }).from(calls).where(eq(calls.id, callId));
      const before = (row?.recording ?? {}) as Partial<RecordingRecord>;
      const dataBytes = repairedDataBytes(stored.sizeBytes);
      await this.options.records.recording(
        callId,
        {
          key, status: 'repaired', size_bytes: stored.sizeBytes, duration_ms: Math.round(dataBytes / 32),
          started_at: before.started_at ?? new Date().toISOString(), ready_at: new Date().toISOString(), url: this.absoluteUrl(callId),
        },
        'call.recording_ready',
      );
      repaired++;
    }
    return repaired;
  }

  /** A call's finished recording, whole or a byte range. */
  async open(call: CallRow, range: ByteRange | undefined): Promise<{ stream: Readable; sizeBytes: number; range?: ByteRange }> {
    const record = call.recording as Partial<RecordingRecord> | null;
    if (!record?.key || (record.status !== 'ready' && record.status !== 'repaired')) {
      throw new AppError('RECORDING_NOT_FOUND', undefined, { details: { call_id: call.id, status: record?.status ?? null } });
    }
    // The size Parley stored it with (set when it became ready or repaired): one read, no lookup first.
    const sizeBytes = record.size_bytes ?? 0;
    if (range && (range.start > range.end || range.start >= sizeBytes)) {
      throw new AppError('RANGE_NOT_SATISFIABLE', undefined, { details: { size_bytes: sizeBytes } });
    }
    const clipped = range ? { start: range.start, end: Math.min(range.end, sizeBytes - 1) } : undefined;
    const stream = await this.options.storage.read(record.key, clipped);
    if (!stream) throw new AppError('RECORDING_NOT_FOUND', undefined, { details: { call_id: call.id } });
    return { stream, sizeBytes, ...(clipped ? { range: clipped } : {}) };
  }

  /** Deletes a call's recording (file and link); the call keeps `status: deleted`. */
  async delete(call: CallRow, why: 'requested' | 'retention' = 'requested'): Promise<boolean> {
    const record = call.recording as Partial<RecordingRecord> | null;
    if (!record?.key || record.status === 'deleted') return false;
    if (record.status === 'recording') throw new AppError('RECORDING_IN_PROGRESS', undefined, { details: { call_id: call.id } });
    await this.options.storage.delete(record.key);
    await this.options.records.recording(call.id, { ...(record as RecordingRecord), status: 'deleted' });
    this.options.log.info({ callId: call.id, why }, 'recording deleted');
    return true;
  }

  /** Deletes recordings of calls that ended more than `retentionDays` ago. */
  async sweep(now = new Date()): Promise<number> {
    if (this.options.retentionDays <= 0) return 0;
    const before = new Date(now.getTime() - this.options.retentionDays * 86_400_000);
    const old = await this.options.db
      .select()
      .from(calls)
      .where(and(isNotNull(calls.recording), lt(calls.endedAt, before), sql`${calls.recording}->>'status' in ('ready', 'repaired')`))
      .limit(500);
    let deleted = 0;
    for (const call of old) if (await this.delete(call, 'retention')) deleted++;
    return deleted;
  }

  /** Repairs, then sweeps hourly. */
  async start(): Promise<void> {
    const repaired = await this.recover();
    if (repaired > 0) this.options.log.warn({ repaired }, 'recordings left unfinished by a crash were repaired');
    const tick = () => void this.sweep().catch((error: unknown) => this.options.log.warn({ err: error }, 'recording retention sweep failed'));
    tick();
    this.sweeper = setInterval(tick, 3_600_000);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}
