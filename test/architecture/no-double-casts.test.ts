/**
 * No `as unknown as` in src/: a double cast tells the compiler to stop checking, and every one the
 * code had hid a type that could be said (a transaction type, a record type). Tests may use it
 * for deliberately malformed input.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('type casts', () => {
  it('src/ holds no `as unknown as`', () => {
    const files = sources(src);
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .flatMap((line, index) => (/\bas unknown as\b/.test(line) ? [`src/${relative(src, path)}:${index + 1}`] : [])),
    );
    expect(offenders).toEqual([]);
  });
});
