/**
 * One writer per embedded store: the process that opens a PGlite data folder holds a lock file
 * in it (created with O_EXCL, holding the pid), so a second process (a second server, the CLI
 * while the server runs) is refused instead of writing to a live database, which PGlite cannot
 * share and which two writers can corrupt. A lock whose process is gone (a crash, a kill -9) is
 * taken over at once.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../shared/errors.js';

export const lockFileName = 'parley.lock';

/** Who holds a data folder. */
export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** 'server' or 'cli'. */
  readonly role: string;
  readonly startedAt: string;
}

/** A held lock; release() is idempotent. */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/** The data folder is held by another live process. */
export class DataDirLockedError extends AppError {
  constructor(readonly dataDir: string, readonly holder: LockHolder | null) {
    const who = holder ? `process ${holder.pid} (a Parley ${holder.role} on ${holder.hostname}, since ${holder.startedAt})` : 'another process';
    super('DATA_DIR_LOCKED', `The data folder ${dataDir} is in use by ${who}`, { details: { data_dir: dataDir, holder } });
    this.name = 'DataDirLockedError';
  }
}

/** Takes the data folder's lock, or throws DataDirLockedError naming the live holder. */
export function lockDataDir(dataDir: string, role: string): DataDirLock {
  const path = join(dataDir, lockFileName);
  const mine: LockHolder = { pid: process.pid, hostname: hostname(), role, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, mine)) return held(path, mine);
    const holder = readHolder(path);
    if (holder === 'gone') continue;
    if (holder !== 'unreadable' && isAlive(holder)) throw new DataDirLockedError(dataDir, holder);
    if (holder === 'unreadable') {
      // A holder writes its record right after creating the file: an empty file is either being
      // written this instant or left by a process that died in between. Give it a moment.
      sleepSync(200);
      const again = readHolder(path);
      if (again !== 'unreadable') continue;
    }
    takeOverStale(path, holder === 'unreadable' ? null : holder);
  }
  throw new DataDirLockedError(dataDir, asHolder(readHolder(path)));
}

function tryCreate(path: string, mine: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(mine));
  } finally {
    closeSync(fd);
  }
  return true;
}

function held(path: string, mine: LockHolder): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    const current = readHolder(path);
    if (current !== 'gone' && current !== 'unreadable' && current.pid === mine.pid && current.startedAt === mine.startedAt) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    }
  };
  // A process that exits without closing its store (process.exit after a fatal error) leaves no lock.
  process.on('exit', release);
  return { path, release };
}

function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string') {
      return { pid: parsed.pid, hostname: parsed.hostname, role: String(parsed.role ?? 'process'), startedAt: String(parsed.startedAt ?? 'unknown') };
    }
  } catch {
    // Fall through: not a record yet.
  }
  return 'unreadable';
}

function asHolder(value: LockHolder | 'gone' | 'unreadable'): LockHolder | null {
  return value === 'gone' || value === 'unreadable' ? null : value;
}

/** A holder on another machine (a shared folder) cannot be checked, so it counts as alive. */
function isAlive(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes a dead holder's lock. Two processes may find the same stale lock at once: each moves
 * the file aside under its own name first and checks it moved the dead holder's record, so one
 * never deletes the fresh lock the other just made (it puts that one back instead).
 */
function takeOverStale(path: string, stale: LockHolder | null): void {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  const wasStale = stale === null ? moved === 'unreadable' : moved !== 'gone' && moved !== 'unreadable' && moved.pid === stale.pid && moved.startedAt === stale.startedAt;
  if (!wasStale) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone made a newer lock meanwhile: theirs stands.
    }
  }
  unlinkSync(aside);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
