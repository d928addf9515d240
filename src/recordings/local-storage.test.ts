import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLocalRecordingStorage } from './local-storage.js';

// Every handle the storage opens, to see whether it was closed (a closed handle's fd is -1).
const opened = vi.hoisted((): FileHandle[] => []);
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      opened.push(handle);
      return handle;
    },
  };
});

/** File handles' shared prototype: where a disk failure is injected (write, sync). */
async function handlePrototype(): Promise<{ write: () => Promise<unknown>; sync: () => Promise<void> }> {
  const { open } = await import('node:fs/promises');
  const probe = await open(join(mkdtempSync(join(tmpdir(), 'parley-local-')), 'probe'), 'w');
  await probe.close();
  return Object.getPrototypeOf(probe) as { write: () => Promise<unknown>; sync: () => Promise<void> };
}

afterEach(() => {
  vi.restoreAllMocks();
  opened.length = 0;
});

describe('local recording storage', () => {
  it('closes the file when the reserved header cannot be written, rather than leak its handle', async () => {
    const prototype = await handlePrototype();
    vi.spyOn(prototype, 'write').mockRejectedValueOnce(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    const storage = createLocalRecordingStorage(mkdtempSync(join(tmpdir(), 'parley-local-')));
    opened.length = 0;
    await expect(storage.begin('org_a/call_a.wav', 44)).rejects.toThrow(/ENOSPC/);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.fd).toBe(-1);
  });

  it('leaves the upload abortable when completing fails: abort closes the file and removes it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'parley-local-'));
    const storage = createLocalRecordingStorage(root);
    const prototype = await handlePrototype();
    opened.length = 0;
    const upload = await storage.begin('org_a/call_a.wav', 4);
    await upload.write(Buffer.from('audio'));
    vi.spyOn(prototype, 'sync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    await expect(upload.complete(Buffer.from('HEAD'))).rejects.toThrow(/EIO/);
    expect(opened[0]!.fd).not.toBe(-1);
    await upload.abort();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.fd).toBe(-1);
    expect(readdirSync(join(root, 'org_a'))).toEqual([]);
    expect(existsSync(join(root, 'org_a', 'call_a.wav'))).toBe(false);
  });

  it('names its folder once: every storage on the same folder (processes sharing it) reads the same id', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'parley-local-')), 'not-yet-made');
    const [first, second] = await Promise.all([createLocalRecordingStorage(root).places(), createLocalRecordingStorage(root).places()]);
    expect(first.finished).toMatch(/^folder_[0-9a-f]{16}$/);
    expect(first).toEqual({ finished: first.finished, unfinished: first.finished });
    expect(second).toEqual(first);
    expect((await createLocalRecordingStorage(mkdtempSync(join(tmpdir(), 'parley-local-'))).places()).finished).not.toBe(first.finished);
  });
});
