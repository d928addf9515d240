/**
 * A database with one organisation and agent, recordings folders in a temporary directory, and
 * CallRecordings over them: what the recordings' unit tests share. Events raised through
 * CallLineRecords are collected rather than fanned out to webhooks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { CallLineRecords } from '../../src/calls/call-line-records.js';
import { CallRecordings, type CallRecordingsOptions } from '../../src/calls/call-recordings.js';
import type { CallService } from '../../src/calls/call-service.js';
import type { CallRow } from '../../src/calls/call-view.js';
import type { Frame } from '../../src/media/frames.js';
import { realLineClock, type LineClock } from '../../src/media/line-clock.js';
import type { RecordingStorage } from '../../src/recordings/storage.js';
import { createLocalRecordingStorage } from '../../src/recordings/local-storage.js';
import { newId } from '../../src/shared/ids.js';
import { createLogger } from '../../src/shared/logger.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { agents, calls, organizations } from '../../src/store/schema.js';
import type { AudioLine } from '../../src/telephony/types.js';
import { createTempDatabase, postgresUrl, type TempDatabase } from './postgres.js';

export interface RecordingsKit {
  readonly database: Database;
  readonly orgId: string;
  /** A folder of its own for each test that asks. */
  folder(): string;
  /** Events raised on calls, in order. */
  readonly events: { callId: string; type: string }[];
  recordings(storage: RecordingStorage, options?: Partial<CallRecordingsOptions>): CallRecordings;
  /** A call row; `recording` as the call would keep it. */
  call(values?: Partial<typeof calls.$inferInsert>): Promise<CallRow>;
  row(callId: string): Promise<CallRow>;
  close(): Promise<void>;
}

export async function recordingsKit(): Promise<RecordingsKit> {
  const temp: TempDatabase | undefined = postgresUrl ? await createTempDatabase() : undefined;
  const database = await openDatabase(temp ? { databaseUrl: temp.url } : { dataDir: 'memory://' });
  const { db } = database;
  const orgId = newId('org');
  const agentId = newId('agent');
  await db.insert(organizations).values({ id: orgId, name: 'test' });
  await db.insert(agents).values({ id: agentId, orgId, name: 'a', prompt: 'p' });
  const events: { callId: string; type: string }[] = [];
  const emitter: Pick<CallService, 'emitEventIn'> = {
    emitEventIn: async (_tx, call, type) => {
      events.push({ callId: call.id, type });
    },
  };
  const records = new CallLineRecords(db, emitter as CallService);
  const root = mkdtempSync(join(tmpdir(), 'parley-recordings-kit-'));
  let folders = 0;
  return {
    database, orgId, events,
    folder: () => join(root, `f${folders++}`),
    recordings: (storage, options = {}) =>
      new CallRecordings({ db, storage, records, log: createLogger({ level: 'silent' }), retentionDays: 0, ...options }),
    call: async (values = {}) => {
      const [row] = await db
        .insert(calls)
        .values({ id: newId('call'), orgId, agentId, toNumber: '+14155550100', fromNumber: '+14155550199', carrier: 'sim', status: 'completed', maxDurationS: 600, ...values })
        .returning();
      return row as CallRow;
    },
    row: async (callId) => {
      const [row] = await db.select().from(calls).where(eq(calls.id, callId)).orderBy(asc(calls.id));
      return row as CallRow;
    },
    close: async () => {
      await database.close();
      await temp?.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}


/**
 * An audio line whose callee frames the test pushes; `end()` ends them, as a hang-up does.
 * Its frames are read as a voice session reads them (the recording sees them as they pass).
 */
export function scriptedLine(): { line: AudioLine; push(frame: Frame): void; end(): void } {
  const queue: Frame[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const frames: AsyncIterable<Frame> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
  const line: AudioLine = { mode: 'audio', frames, send: () => undefined, hangUp: () => undefined };
  return {
    line,
    push(frame) {
      queue.push(frame);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
  };
}

/** Reads every frame of `line` (what a voice session does), resolving when the frames end. */
export async function readAll(line: AudioLine): Promise<number> {
  let count = 0;
  for await (const frame of line.frames) if (frame.kind === 'audio') count++;
  return count;
}

/**
 * A line clock that stands still: a recording then ends with the frames pushed, not with the
 * real time a test took between its last frame and the end (a recording follows its line's clock).
 */
export const stillLineClock: LineClock = { ...realLineClock, elapsedMs: () => 0 };

/** `ms` of a quiet callee (μ-law silence, 0xFF) as 20 ms frames. */
export function calleeFrames(ms: number): Frame[] {
  return Array.from({ length: Math.ceil(ms / 20) }, () => ({ kind: 'audio' as const, payload: Buffer.alloc(160, 0xff) }));
}

/**
 * A recorded call in a local folder whose line is still open: `ms` of the callee's frames pushed
 * and read as the voice session reads them (on a still clock), the line not ended. `close()` ends
 * the line and the reading.
 */
export async function openRecordedLine(kit: RecordingsKit, ms: number) {
  const folder = kit.folder();
  const call = await kit.call({ status: 'in_progress' });
  const recordings = kit.recordings(createLocalRecordingStorage(folder));
  recordings.expect(call);
  const { line, push, end } = scriptedLine();
  const wrapped = recordings.wrap(call.id, line, stillLineClock);
  const frames = calleeFrames(ms);
  for (const frame of frames) push(frame);
  const reader = wrapped.frames[Symbol.asyncIterator]();
  for (let i = 0; i < frames.length; i++) await reader.next();
  return {
    folder, call, recordings,
    close: async () => {
      end();
      await reader.return?.();
    },
  };
}
