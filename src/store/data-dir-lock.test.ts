import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir, lockFileName } from './data-dir-lock.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('lockDataDir', () => {
  it('records its holder and removes the lock on release', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir, 'server');
    expect(JSON.parse(readFileSync(join(dir, lockFileName), 'utf8'))).toMatchObject({ pid: process.pid, role: 'server' });
    lock.release();
    lock.release();
    expect(existsSync(join(dir, lockFileName))).toBe(false);
  });

  it('refuses a second holder while the first is alive, naming it', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir, 'server');
    try {
      expect(() => lockDataDir(dir, 'cli')).toThrow(DataDirLockedError);
      try {
        lockDataDir(dir, 'cli');
      } catch (error) {
        expect((error as DataDirLockedError).holder).toMatchObject({ pid: process.pid, role: 'server' });
        expect((error as DataDirLockedError).code).toBe('DATA_DIR_LOCKED');
      }
    } finally {
      lock.release();
    }
  });

  it('takes over the lock of a process that crashed', () => {
    const dir = freshDir();
    writeFileSync(join(dir, lockFileName), JSON.stringify({ pid: deadPid(), hostname: hostname(), role: 'server', startedAt: '2026-01-01T00:00:00.000Z' }));
    const lock = lockDataDir(dir, 'cli');
    expect(JSON.parse(readFileSync(join(dir, lockFileName), 'utf8'))).toMatchObject({ pid: process.pid, role: 'cli' });
    lock.release();
  });

  it('takes over an empty lock file left by a process that died while creating it', () => {
    const dir = freshDir();
    writeFileSync(join(dir, lockFileName), '');
    const lock = lockDataDir(dir, 'server');
    expect(JSON.parse(readFileSync(join(dir, lockFileName), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('counts a holder on another machine as alive (a shared folder)', () => {
    const dir = freshDir();
    writeFileSync(join(dir, lockFileName), JSON.stringify({ pid: deadPid(), hostname: `not-${hostname()}`, role: 'server', startedAt: 'x' }));
    expect(() => lockDataDir(dir, 'server')).toThrow(/in use by process/);
  });

  it('does not remove a lock that is no longer its own', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir, 'server');
    const other = JSON.stringify({ pid: process.pid, hostname: hostname(), role: 'server', startedAt: 'someone else' });
    writeFileSync(join(dir, lockFileName), other);
    lock.release();
    expect(readFileSync(join(dir, lockFileName), 'utf8')).toBe(other);
  });
});
