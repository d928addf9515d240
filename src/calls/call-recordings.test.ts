import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRow } from './call-view.js';
import { placeFields } from './recording-recovery.js';
import { createLocalRecordingStorage } from '../recordings/local-storage.js';
import type { RecordingStorage } from '../recordings/storage.js';
import { recordingHeader } from '../recordings/wav-header.js';
import { calls } from '../store/schema.js';
import { calleeFrames, openRecordedLine, stillLineClock, readAll, recordingsKit, scriptedLine, type RecordingsKit } from '../../test/support/recordings.js';

let kit: RecordingsKit;
beforeAll(async () => {
  kit = await recordingsKit();
});
afterAll(() => kit?.close());

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

/** A call whose finished recording `storage` holds (file written, row `ready`). */
async function recordedCall(storage: RecordingStorage, endedAt = daysAgo(10), write = true): Promise<CallRow> {
  const call = await kit.call({ endedAt });
  const key = `${call.orgId}/${call.id}.wav`;
  if (write) {
    const upload = await storage.begin(key, 44);
    await upload.write(Buffer.alloc(320, 1));
    await upload.complete(recordingHeader(320));
  }
  const recording = {
    key, status: 'ready', size_bytes: 364, duration_ms: 10, started_at: endedAt.toISOString(), ready_at: endedAt.toISOString(), ...placeFields(await storage.places()),
  };
  const [row] = await kit.database.db.update(calls).set({ recording }).where(eq(calls.id, call.id)).returning();
  return row as CallRow;
}

const fileOf = (folder: string, call: CallRow) => join(folder, call.orgId, `${call.id}.wav`);
const statusOf = async (call: CallRow) => (await kit.row(call.id)).recording?.['status'];

describe('recordings in another process\'s folder', () => {
  it('refuses to serve or delete one it cannot reach and leaves it ready; the process that wrote it deletes it', async () => {
    const theirFolder = kit.folder();
    const call = await recordedCall(createLocalRecordingStorage(theirFolder));
    const here = kit.recordings(createLocalRecordingStorage(kit.folder()));

    await expect(here.open(call, undefined)).rejects.toMatchObject({ code: 'RECORDING_UNREACHABLE', httpStatus: 503 });
    await expect(here.delete(call)).rejects.toMatchObject({ code: 'RECORDING_UNREACHABLE' });
    expect(await statusOf(call)).toBe('ready');
    expect(existsSync(fileOf(theirFolder, call))).toBe(true);

    // Another process mounting the same folder reads the same folder id: it reaches it.
    const sharing = kit.recordings(createLocalRecordingStorage(theirFolder));
    await expect(sharing.delete(call)).resolves.toBe(true);
    expect(await statusOf(call)).toBe('deleted');
    expect(existsSync(fileOf(theirFolder, call))).toBe(false);
  });

  it('marks deleted one whose file is already gone from its own folder (nothing is there to keep)', async () => {
    const folder = kit.folder();
    const call = await recordedCall(createLocalRecordingStorage(folder), daysAgo(10), false);
    await expect(kit.recordings(createLocalRecordingStorage(folder)).delete(call)).resolves.toBe(true);
    expect(await statusOf(call)).toBe('deleted');
  });

  it('leaves recordings in a folder it does not reach to the retention sweep of the process that does', async () => {
    const mine = createLocalRecordingStorage(kit.folder());
    const theirs = createLocalRecordingStorage(kit.folder());
    const own = await recordedCall(mine);
    const foreign = await recordedCall(theirs);
    await kit.recordings(mine, { retentionDays: 2 }).sweep();
    expect(await statusOf(own)).toBe('deleted');
    expect(await statusOf(foreign)).toBe('ready');
  });
});

describe('retention sweep', () => {
  it('goes on past a recording it cannot delete, and deletes the rest', async () => {
    const folder = kit.folder();
    const local = createLocalRecordingStorage(folder);
    const [first, stuck, last] = [await recordedCall(local, daysAgo(30)), await recordedCall(local, daysAgo(29)), await recordedCall(local, daysAgo(28))];
    const storage: RecordingStorage = {
      ...local,
      delete: async (key) => {
        if (key.includes(stuck!.id)) throw new Error('EACCES: permission denied');
        return local.delete(key);
      },
    };
    await expect(kit.recordings(storage, { retentionDays: 20 }).sweep()).resolves.toBe(2);
    expect(await statusOf(first!)).toBe('deleted');
    expect(await statusOf(stuck!)).toBe('ready');
    expect(await statusOf(last!)).toBe('deleted');
  });

  it('deletes oldest first, page by page, at most its bound a run; the next run goes on', async () => {
    const storage = createLocalRecordingStorage(kit.folder());
    const oldest = daysAgo(400);
    const made: CallRow[] = [];
    // Inserted newest first, so the order they come back in is the sweep's own doing.
    for (let i = 11; i >= 0; i--) made[i] = await recordedCall(storage, new Date(oldest.getTime() + i * 60_000));
    const recordings = kit.recordings(storage, { retentionDays: 300, sweepRows: { page: 3, max: 6 } });

    await expect(recordings.sweep()).resolves.toBe(6);
    const after = await Promise.all(made.map(statusOf));
    expect(after).toEqual([...Array<string>(6).fill('deleted'), ...Array<string>(6).fill('ready')]);
    await expect(recordings.sweep()).resolves.toBe(6);
    expect(await Promise.all(made.map(statusOf))).toEqual(Array<string>(12).fill('deleted'));
  });
});

describe('a recording whose storage fails', () => {
  it('ends failed with call.recording_failed, and is neither served nor deletable', async () => {
    const folder = kit.folder();
    const call = await kit.call({ status: 'in_progress' });
    // The organisation's folder cannot be made: a file is in its place (mkdir fails EEXIST).
    const storage = createLocalRecordingStorage(folder);
    await storage.places();
    writeFileSync(join(folder, call.orgId), 'not a folder');
    const recordings = kit.recordings(storage);
    recordings.expect(call);
    const { line, push, end } = scriptedLine();
    const wrapped = recordings.wrap(call.id, line);
    for (const frame of calleeFrames(1_000)) push(frame);
    end();
    await readAll(wrapped);
    await recordings.stop();

    const row = await kit.row(call.id);
    expect(row.recording).toMatchObject({ status: 'failed', size_bytes: null });
    expect(kit.events.filter((e) => e.callId === call.id).map((e) => e.type)).toEqual(['call.recording_failed']);
    await expect(recordings.open(row, undefined)).rejects.toMatchObject({ code: 'RECORDING_NOT_FOUND' });
    await expect(recordings.delete(row)).resolves.toBe(false);
  });
});

describe('shutdown', () => {
  it('finishes a recording whose line is still open, so no .partial is left for the next start', async () => {
    const { folder, call, recordings, close } = await openRecordedLine(kit, 1_500);

    await recordings.stop();

    const row = await kit.row(call.id);
    expect(row.recording).toMatchObject({ status: 'ready', size_bytes: 44 + 12_000 * 4, duration_ms: 1_500 });
    expect(existsSync(`${fileOf(folder, call)}.partial`)).toBe(false);
    expect(existsSync(fileOf(folder, call))).toBe(true);
    expect(kit.events.filter((e) => e.callId === call.id).map((e) => e.type)).toEqual(['call.recording_ready']);
    await close();
  });
});
