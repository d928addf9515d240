/**
 * Recordings as files under a folder (default: `recordings/` in the data folder). An upload is
 * written to `<key>.partial` through one file handle, appending as the call goes (memory does
 * not grow with the call), and renamed to `<key>` when complete; a `.partial` left at start-up is
 * what a crash interrupted (or, in a folder processes share, what another one is writing). The
 * folder names itself in `.parley-folder-id`, so a recording says which folder it is in.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange, RecordingPlaces, RecordingStorage, RecordingUpload, StoredRecording } from './storage.js';

const PARTIAL = '.partial';
/** Names the folder: every process that shares it (a network mount) reads the same id. */
const FOLDER_ID_FILE = '.parley-folder-id';
const KEY_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\.wav$/;

/** Keys of the files under `root`: finished recordings, or the `.partial` uploads a crash interrupted. */
export async function localRecordingKeys(root: string, kind: 'finished' | 'partial'): Promise<string[]> {
  const keys: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      const key = relative(root, path).split(sep).join('/');
      if (entry.isDirectory()) await walk(path);
      else if (kind === 'partial' && entry.name.endsWith(PARTIAL)) keys.push(key.slice(0, -PARTIAL.length));
      else if (kind === 'finished') keys.push(key);
    }
  };
  await walk(root);
  return keys.filter((key) => KEY_PATTERN.test(key));
}

/** The folder's id, made by whichever process comes first (`wx`: a second one reads the first one's). */
async function folderId(root: string): Promise<string> {
  const file = join(root, FOLDER_ID_FILE);
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing?.trim()) return existing.trim();
  await mkdir(root, { recursive: true });
  const made = `folder_${randomBytes(8).toString('hex')}`;
  try {
    await writeFile(file, made, { flag: 'wx' });
    return made;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readFile(file, 'utf8')).trim();
  }
}

/** Creates the local-folder storage rooted at `root`. */
export function createLocalRecordingStorage(root: string): RecordingStorage {
  const pathOf = (key: string): string => {
    if (!KEY_PATTERN.test(key)) throw new RangeError('invalid recording key');
    return join(root, ...key.split('/'));
  };

  const sizeOf = async (path: string): Promise<number | null> => {
    try {
      const info = await stat(path);
      return info.isFile() ? info.size : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  };

  let places: Promise<RecordingPlaces> | undefined;

  return {
    places() {
      // One folder holds both: a `.partial` becomes the finished file by a rename.
      places ??= folderId(root).then((id) => ({ finished: id, unfinished: id }));
      return places;
    },

    async begin(key, headerBytes) {
      const final = pathOf(key);
      const partial = final + PARTIAL;
      await mkdir(dirname(final), { recursive: true });
      const handle = await open(partial, 'w');
      try {
        await handle.write(Buffer.alloc(headerBytes), 0, headerBytes, 0);
      } catch (error) {
        // No upload is handed out, so nothing else would ever close it.
        await handle.close().catch(() => undefined);
        throw error;
      }
      let position = headerBytes;
      // Set once the handle is closed (or being closed): until then abort() still closes it.
      let closed = false;
      const closeOnce = async () => {
        if (closed) return;
        closed = true;
        await handle.close();
      };
      const upload: RecordingUpload = {
        async write(chunk) {
          if (closed) throw new Error('recording upload is closed');
          const at = position;
          position += chunk.length;
          await handle.write(chunk, 0, chunk.length, at);
        },
        async complete(header) {
          if (closed) throw new Error('recording upload is closed');
          // A failed write or sync leaves the handle open for abort(), or a later complete(), to close.
          await handle.write(header, 0, header.length, 0);
          await handle.sync();
          await closeOnce();
          await rename(partial, final);
          return { key, sizeBytes: position };
        },
        async abort() {
          if (closed) return;
          await closeOnce();
          await rm(partial, { force: true });
        },
      };
      return upload;
    },

    async stat(key) {
      const size = await sizeOf(pathOf(key));
      return size === null ? null : { key, sizeBytes: size };
    },

    async read(key, range?: ByteRange): Promise<Readable | null> {
      // Opened here, not by the stream: a file deleted meanwhile is null now, not an error mid-response.
      const handle = await open(pathOf(key), 'r').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      return handle && handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    },

    async delete(key) {
      const path = pathOf(key);
      const existed = (await sizeOf(path)) !== null || (await sizeOf(path + PARTIAL)) !== null;
      await rm(path, { force: true });
      await rm(path + PARTIAL, { force: true });
      return existed;
    },

    unfinished: () => localRecordingKeys(root, 'partial'),

    async recover(key, repair): Promise<StoredRecording | null> {
      const final = pathOf(key);
      const partial = final + PARTIAL;
      const size = await sizeOf(partial);
      if (size === null) return null;
      const header = repair(size);
      if (size < header.length) {
        await rm(partial, { force: true });
        return null;
      }
      const handle = await open(partial, 'r+');
      try {
        await handle.write(header, 0, header.length, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(partial, final);
      return { key, sizeBytes: size };
    },
  };
}
