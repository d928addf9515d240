/**
 * Imports under src/ flow one way, down this table: a folder may import its own layer and any
 * layer below it, never one above. This table is the one place the direction is written.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Top-level folders of src/, highest layer first. `(root)` is src/'s own files. */
const layers: readonly (readonly string[])[] = [
  // The composition root: builds the process and wires capabilities (every `<folder>/module.ts` is wiring too).
  ['(root)', 'cli'],
  // HTTP and WebSocket only, and the foreign dialects.
  ['api'],
  // The resources of the domain and what is built on them.
  ['calls', 'agents', 'campaigns', 'contacts', 'dnc', 'numbers', 'keys', 'orgs', 'hooks', 'chat', 'webhooks', 'events', 'webcall'],
  // Scheduling and the durable queue.
  ['dispatch'],
  // What the agent says (brain), how a conversation is hosted on a line (conversation: the lanes'
  // contract, the text lane, what ends a call), how it is heard and spoken on audio (voice, recordings).
  ['voice', 'brain', 'conversation', 'recordings'],
  // Carriers and model clients.
  ['telephony', 'llm'],
  // Frames, μ-law, audio lines: what carriers and voice share.
  ['media'],
  ['store', 'config'],
  ['shared'],
];

/** A file that wires its capability into the process (`module.ts`) belongs to the composition root. */
function isWiring(file: string): boolean {
  return file === 'module.ts' || file.endsWith('/module.ts');
}

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 1 ? '(root)' : parts[0]!;
}

function layerOf(file: string): number {
  if (isWiring(file)) return 0;
  const folder = folderOf(file);
  const index = layers.findIndex((layer) => layer.includes(folder));
  if (index < 0) throw new Error(`src/${folder} is in no layer: add it to the table in test/architecture/import-direction.test.ts`);
  return index;
}

interface Import {
  readonly from: string;
  readonly to: string;
}

/** Every relative import (static, dynamic, type-only, re-export) between files of src/. */
function importsOf(): Import[] {
  return sources(src).flatMap((path) => {
    const from = relative(src, path).split(sep).join('/');
    const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    return importedFiles
      .filter((imported) => imported.fileName.startsWith('.'))
      .map((imported) => ({ from, to: relative(src, resolve(dirname(path), imported.fileName)).split(sep).join('/') }))
      .filter((edge) => !edge.to.startsWith('..'));
  });
}

describe('import direction', () => {
  const edges = importsOf();

  it('finds the imports it checks', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(edges).toContainEqual({ from: 'app.ts', to: 'calls/live/call-runtime.js' });
  });

  it('places every folder of src/ in a layer', () => {
    const folders = new Set(sources(src).map((path) => folderOf(relative(src, path).split(sep).join('/'))));
    const unplaced = [...folders].filter((folder) => !layers.some((layer) => layer.includes(folder)));
    expect(unplaced).toEqual([]);
  });

  it('never imports from a layer above', () => {
    const upward = edges.filter((edge) => layerOf(edge.to) < layerOf(edge.from)).map((edge) => `${edge.from} -> ${edge.to}`);
    expect(upward).toEqual([]);
  });

  it('keeps calls from naming a carrier: only the telephony contracts, no carrier id', () => {
    const named = edges.filter((edge) => edge.from.startsWith('calls/') && edge.to.startsWith('telephony/') && edge.to !== 'telephony/types.js');
    expect(named.map((edge) => `${edge.from} -> ${edge.to}`)).toEqual([]);
    const ids = sources(join(src, 'calls')).filter((path) => /['"](sim|twilio|web)['"]/.test(readFileSync(path, 'utf8')));
    expect(ids.map((path) => relative(src, path))).toEqual([]);
  });

  it('would catch an upward import', () => {
    expect(layerOf('telephony/sim/sim-line.ts')).toBeGreaterThan(layerOf('voice/session/session.ts'));
    expect(layerOf('media/frames.ts')).toBeGreaterThan(layerOf('telephony/types.ts'));
    expect(layerOf('voice/module.ts')).toBe(0);
  });
});
