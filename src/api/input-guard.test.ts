import { describe, expect, it } from 'vitest';
import { findInputProblem, maxJsonDepth } from './input-guard.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

describe('findInputProblem', () => {
  it('passes ordinary documents, emoji and all', () => {
    expect(findInputProblem({ name: 'Ana 👋', tags: ['a', 'b'], n: 1, ok: true, none: null }, 'body')).toBeUndefined();
    expect(findInputProblem(nested(maxJsonDepth - 1), 'body')).toBeUndefined();
  });

  it('names the field holding a NUL or a lone surrogate, keys included', () => {
    expect(findInputProblem({ a: { b: ['x', 'y\u0000'] } }, 'body')).toEqual({ code: 'INVALID_CHARACTERS', field: 'a.b.1' });
    expect(findInputProblem({ a: '\ud800x' }, 'body')).toEqual({ code: 'INVALID_CHARACTERS', field: 'a' });
    expect(findInputProblem({ a: 'x\udc00' }, 'body')).toEqual({ code: 'INVALID_CHARACTERS', field: 'a' });
    expect(findInputProblem({ ['k\u0000']: 1 }, 'body')).toEqual({ code: 'INVALID_CHARACTERS', field: 'k\u0000' });
    expect(findInputProblem('\u0000', 'body')).toEqual({ code: 'INVALID_CHARACTERS', field: 'body' });
  });

  it('refuses depth past the limit without recursing, however deep', () => {
    expect(findInputProblem(nested(maxJsonDepth + 1), 'body')?.code).toBe('JSON_TOO_DEEP');
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(findInputProblem({ metadata: deep }, 'body')).toMatchObject({ code: 'JSON_TOO_DEEP', field: expect.stringMatching(/^metadata\.0\.0/) });
  });
});
