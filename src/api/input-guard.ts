/**
 * Checks every request's path parameters, query and parsed body before any route sees them:
 * JSON nested deeper than `maxJsonDepth` (which overflowed the stack further in), and strings
 * holding NUL or an unpaired UTF-16 surrogate (which PostgreSQL refuses in text and jsonb) are
 * refused with a 400 naming the field, so they never reach a schema, a handler or the store.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';

/** Deeper than any document Parley takes (an agent's flow is about 8 levels): refused. */
export const maxJsonDepth = 32;

export interface InputProblem {
  readonly code: 'JSON_TOO_DEEP' | 'INVALID_CHARACTERS';
  readonly field: string;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True for a string text columns cannot hold: a NUL, or UTF-16 that is not well formed. */
function badString(value: string): boolean {
  return value.includes('\u0000') || loneSurrogate.test(value);
}

/**
 * The first problem in `value`, walking it without recursion (a hostile document must not
 * overflow this walk either). `root` names the top (`body`, `query`, `params`); fields are
 * named as `metadata.a.0.b`.
 */
export function findInputProblem(value: unknown, root: string): InputProblem | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    const field = path || root;
    if (typeof current === 'string') {
      if (badString(current)) return { code: 'INVALID_CHARACTERS', field };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxJsonDepth) return { code: 'JSON_TOO_DEEP', field };
    const entries: [string, unknown][] = Array.isArray(current) ? current.map((item, index) => [String(index), item]) : Object.entries(current);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [name, child] = entries[i]!;
      const childPath = path ? `${path}.${name}` : name;
      if (badString(name)) return { code: 'INVALID_CHARACTERS', field: childPath };
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}

function refusal(problem: InputProblem, location: string): AppError {
  if (problem.code === 'JSON_TOO_DEEP') {
    return new AppError('JSON_TOO_DEEP', `"${problem.field}" is nested deeper than ${maxJsonDepth} levels`, {
      details: { field: problem.field, location, max_depth: maxJsonDepth },
    });
  }
  return new AppError('INVALID_CHARACTERS', `"${problem.field}" holds a NUL character or an unpaired surrogate, which text may not contain`, {
    details: { field: problem.field, location },
  });
}

/** Refuses a request whose params, query or body holds a problem (see the module's header). */
export function assertSafeInput(request: FastifyRequest): void {
  const parts: [string, unknown][] = [['params', request.params], ['query', request.query], ['body', request.body]];
  for (const [location, value] of parts) {
    if (value === undefined || value === null) continue;
    // Path and query values are named by their own name (`id`, `cursor`); body fields by their path.
    const problem = findInputProblem(value, location);
    if (problem) throw refusal(problem, location);
  }
}

/** Runs the check on every route, after authentication and parsing, before validation. */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => assertSafeInput(request));
}
