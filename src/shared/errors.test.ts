/** The error registry: provider errors' retry rule; the docs hold every code and nothing else (both ways). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCodes, ProviderError, type ErrorCode } from './errors.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

/** Rows of docs/errors.md's table: | `CODE` | status | meaning |. */
function documentedCodes(): Map<string, number> {
  const rows = [...read('docs/errors.md').matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)];
  return new Map(rows.map((row) => [row[1]!, Number(row[2])]));
}

/** Codes the README and the compat guide name next to a status: "422 `LLM_NOT_CONFIGURED`", "422 SPEECH_NOT_CONFIGURED". */
function citedCodes(): { code: string; status: number; where: string }[] {
  return ['README.md', 'docs/compat.md'].flatMap((where) =>
    [...read(where).matchAll(/\b([45]\d\d)\s+`?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`?/g)].map((match) => ({ code: match[2]!, status: Number(match[1]), where })),
  );
}

describe('the error registry', () => {
  it('documents every registered code in docs/errors.md with its status', () => {
    const documented = documentedCodes();
    for (const [code, { httpStatus }] of Object.entries(errorCodes)) {
      expect(documented.get(code), `${code} in docs/errors.md`).toBe(httpStatus);
    }
  });

  it('documents no code that is not registered', () => {
    const registered = new Set(Object.keys(errorCodes));
    expect([...documentedCodes().keys()].filter((code) => !registered.has(code))).toEqual([]);
    const stray = citedCodes().filter(({ code, status }) => errorCodes[code as ErrorCode]?.httpStatus !== status);
    expect(stray).toEqual([]);
    expect(citedCodes().length).toBeGreaterThan(0);
  });
});

describe('ProviderError', () => {
  it('keeps a 4xx other than 408 and 429 permanent whatever the caller says', () => {
    for (const statusCode of [400, 401, 403, 404, 409, 422]) {
      expect(new ProviderError('x', 'unknown', 'failed', { statusCode, retryable: true }).retryable).toBe(false);
      expect(ProviderError.fromStatus('x', statusCode, 'failed').retryable).toBe(false);
    }
    expect(new ProviderError('x', 'connectivity', 'timed out', { statusCode: 408 }).retryable).toBe(true);
    expect(ProviderError.fromStatus('x', 429, 'slow down').retryable).toBe(true);
    expect(new ProviderError('x', 'quota', 'out of credit', { statusCode: 429 }).retryable).toBe(false);
    expect(ProviderError.fromStatus('x', 503, 'down').retryable).toBe(true);
    expect(new ProviderError('x', 'unknown', 'odd', { retryable: true }).retryable).toBe(true);
  });

  it('carries the vendor request id when there is one', () => {
    expect(ProviderError.fromStatus('openai', 500, 'failed', undefined, 'req_123').requestId).toBe('req_123');
    expect(ProviderError.fromStatus('openai', 500, 'failed', undefined, null).requestId).toBeUndefined();
  });
});
