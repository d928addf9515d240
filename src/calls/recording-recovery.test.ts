import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRow } from './call-view.js';
import { placeFields } from './recording-recovery.js';
import { createLocalRecordingStorage } from '../recordings/local-storage.js';
import { calls } from '../store/schema.js';
import type { RecordingStorage } from '../recordings/storage.js';
import { calleeFrames, openRecordedLine, stillLineClock, recordingsKit, scriptedLine, type RecordingsKit } from '../../test/support/recordings.js';

let kit: RecordingsKit;
beforeAll(async () => {
  kit = await recordingsKit();
});
afterAll(() => kit?.close());

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/** What a writer leaves while recording, or a crash after it: a zero header and 1 s of audio in `<key>.partial`. */
function partialOf(folder: string, call: CallRow): string {
  mkdirSync(join(folder, call.orgId), { recursive: true });
  const path = join(folder, call.orgId, `${call.id}.wav.partial`);
  writeFileSync(path, Buffer.concat([Buffer.alloc(44), Buffer.alloc(8_000 * 4, 7)]));
  return path;
}

/** A call whose row says its recording is being written, by a process writing to `storage`'s folder. */
async function recordingCall(storage: RecordingStorage, values: Parameters<RecordingsKit['call']>[0]): Promise<CallRow> {
  const key = (id: string) => `${kit.orgId}/${id}.wav`;
  const call = await kit.call(values);
  const recording = { key: key(call.id), status: 'recording', size_bytes: null, duration_ms: null, started_at: new Date().toISOString(), ready_at: null, ...placeFields(await storage.places()) };
  const [row] = await kit.database.db.update(calls).set({ recording }).where(eq(calls.id, call.id)).returning();
  return row as CallRow;
}

const statusOf = async (call: CallRow) => (await kit.row(call.id)).recording?.['status'];
const eventsOf = (call: CallRow) => kit.events.filter((e) => e.callId === call.id).map((e) => e.type);

describe('recovery at start-up, in a folder processes share', () => {
  it('leaves the recording of a call live on another process to it, and repairs what a crash left', async () => {
    const folder = kit.folder();
    const storage = createLocalRecordingStorage(folder);
    const live = await recordingCall(storage, { status: 'in_progress' });
    const livePartial = partialOf(folder, live);
    const crashed = await recordingCall(storage, { status: 'failed', endedAt: minutesAgo(60) });
    partialOf(folder, crashed);

    await expect(kit.recordings(storage).recover()).resolves.toBe(1);

    expect(existsSync(livePartial)).toBe(true);
    expect(await statusOf(live)).toBe('recording');
    expect(await statusOf(crashed)).toBe('repaired');
    expect(readFileSync(join(folder, crashed.orgId, `${crashed.id}.wav`)).readUInt32LE(40)).toBe(8_000 * 4);
  });

  it('on a database no other process uses (PGlite), repairs them all at once', async () => {
    const folder = kit.folder();
    const storage = createLocalRecordingStorage(folder);
    const live = await recordingCall(storage, { status: 'in_progress' });
    partialOf(folder, live);
    await expect(kit.recordings(storage, { exclusive: true }).recover()).resolves.toBe(1);
    expect(await statusOf(live)).toBe('repaired');
  });

  it('leaves a recording it cannot finish now (its store is down) for later, and goes on with the rest', async () => {
    const tried: string[] = [];
    const local = createLocalRecordingStorage(kit.folder());
    const storage: RecordingStorage = {
      ...local,
      unfinished: async () => ['org_a/call_a.wav', 'org_b/call_b.wav'],
      recover: async (key) => {
        tried.push(key);
        if (key === 'org_a/call_a.wav') throw new Error('the object store is unreachable');
        return null;
      },
    };
    await expect(kit.recordings(storage).recover()).resolves.toBe(0);
    expect(tried).toEqual(['org_a/call_a.wav', 'org_b/call_b.wav']);
  });
});

describe('recordings their writer did not finish', () => {
  it('are repaired, or failed when nothing is left, once their call ended past the grace; not sooner, nor another folder\'s', async () => {
    const folder = kit.folder();
    const storage = createLocalRecordingStorage(folder);
    const withBytes = await recordingCall(storage, { status: 'failed', endedAt: minutesAgo(30) });
    partialOf(folder, withBytes);
    const empty = await recordingCall(storage, { status: 'failed', endedAt: minutesAgo(30) });
    const recent = await recordingCall(storage, { status: 'completed', endedAt: minutesAgo(1) });
    partialOf(folder, recent);
    const elsewhere = await recordingCall(createLocalRecordingStorage(kit.folder()), { status: 'completed', endedAt: minutesAgo(30) });

    const recordings = kit.recordings(storage);
    // start() repairs what is unfinished and begins the periodic rounds with one at once; stop() waits for it.
    await recordings.start();
    await recordings.stop();

    expect(await statusOf(withBytes)).toBe('repaired');
    expect(eventsOf(withBytes)).toEqual(['call.recording_ready']);
    expect(await statusOf(empty)).toBe('failed');
    expect(eventsOf(empty)).toEqual(['call.recording_failed']);
    expect(await statusOf(recent)).toBe('recording');
    expect(await statusOf(elsewhere)).toBe('recording');
  });
});

describe('a recording whose line outlives its call', () => {
  it('is finished by the recovery round once the call has been over past the grace', async () => {
    const { folder, call, recordings, close } = await openRecordedLine(kit, 500);
    await expect.poll(() => statusOf(call)).toBe('recording');
    // The call ended half an hour ago, but nothing ended its line.
    await kit.database.db.update(calls).set({ status: 'completed', endedAt: minutesAgo(30) }).where(eq(calls.id, call.id));

    await recordings.finishAbandoned();

    expect((await kit.row(call.id)).recording).toMatchObject({ status: 'ready', duration_ms: 500 });
    expect(existsSync(join(folder, call.orgId, `${call.id}.wav`))).toBe(true);
    await close();
  });
});

describe('a recordings folder that cannot be used', () => {
  it('does not keep the process from starting', async () => {
    const root = kit.folder();
    // A file where the folder should be: nothing can be made under it.
    writeFileSync(root, 'not a folder');
    const recordings = kit.recordings(createLocalRecordingStorage(join(root, 'recordings')));
    await expect(recordings.start()).resolves.toBeUndefined();
    await recordings.stop();
  });
});
