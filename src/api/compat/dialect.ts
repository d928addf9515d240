/**
 * What every compat dialect shares: a prefix of its own whose errors take the vendor's shape,
 * the vendor's ways of presenting a key, and request parsing that names fields the vendor's way.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { registerPrefixErrorShape, toHttpError, type ErrorShaper } from '../error-handler.js';
import { bearerToken, type KeyExtractor } from '../auth.js';
import { AppError } from '../../shared/errors.js';

export type { ErrorShaper };

/**
 * Registers a dialect's routes under `prefix`, with its own error and not-found handlers so that
 * every failure (bad JSON, a missing key, a core refusal) answers in the vendor's shape.
 */
export async function registerDialect(app: FastifyInstance, prefix: string, shape: ErrorShaper, routes: (scope: FastifyInstance) => void): Promise<void> {
  registerPrefixErrorShape(prefix, shape);
  await app.register(
    async (scope) => {
      scope.setErrorHandler((error, request, reply) => {
        const { status, body } = toHttpError(error, request);
        const shaped = shape(status, body.error);
        void reply.status(shaped.status).send(shaped.body);
      });
      scope.setNotFoundHandler((request, reply) => {
        const shaped = shape(404, { code: 'NOT_FOUND', message: `No route for ${request.method} ${request.url.split('?')[0]}` });
        void reply.status(shaped.status).send(shaped.body);
      });
      routes(scope);
    },
    { prefix },
  );
}

/** `Authorization: Token <key>`, `Bearer <key>` or the bare key (Hamsa's prose and its cURL disagree). */
export const tokenOrBearer: KeyExtractor = Object.assign(
  (request: FastifyRequest): string | undefined => {
    const header = request.headers.authorization?.trim();
    if (!header) return undefined;
    const match = /^(?:Token|Bearer)\s+(\S+)$/i.exec(header);
    if (match) return match[1];
    return /^\S+$/.test(header) ? header : undefined;
  },
  { how: 'Authorization: Token <key>' },
);

/** `Authorization: Bearer <key>`, or the bare key where a vendor's example leaves the scheme out. */
export function bearerOrBare(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization?.trim();
  if (!header) return undefined;
  return bearerToken(request) ?? (/^\S+$/.test(header) ? header : undefined);
}

/** A key in a header of its own (Voicing's `x-api-key`). */
export function apiKeyHeader(name: string): KeyExtractor {
  return Object.assign(
    (request: FastifyRequest) => {
      const value = request.headers[name.toLowerCase()];
      const key = (Array.isArray(value) ? value[0] : value)?.trim();
      return key || undefined;
    },
    { how: `${name}: <key>` },
  );
}

/** A 400 naming `field`. */
export function invalidField(field: string, message: string, code: 'VALIDATION_FAILED' | 'UNSUPPORTED_FIELD' = 'VALIDATION_FAILED'): AppError {
  return new AppError(code, message, { details: { field } });
}

/** Parses a body with a zod schema; the first problem becomes a 400 naming the field (`data.agent_id`). */
export function parseRequest<T extends z.ZodType>(schema: T, input: unknown, what = 'body'): z.infer<T> {
  if (input === null || input === undefined || typeof input !== 'object' || Array.isArray(input)) {
    throw new AppError('VALIDATION_FAILED', `The request ${what} must be a JSON object`, { details: { field: what } });
  }
  // The input on each issue tells a missing field from one of the wrong type (zod 4 leaves it off
  // unless asked); only the code and message go on into the answer.
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || what;
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return { field, message: missing ? 'is required' : issue.message };
  });
  const first = issues[0]!;
  throw new AppError('VALIDATION_FAILED', `"${first.field}" ${first.message}`, { details: { field: first.field, issues } });
}

/**
 * Rewrites a core error so it names the vendor's fields: `"to"` becomes `"contact_number"` in
 * the message and in `details.field`. Anything else passes through unchanged.
 */
export function renameFields(error: unknown, names: Readonly<Record<string, string>>): unknown {
  if (!(error instanceof AppError)) return error;
  const details = error.details as { field?: string } | undefined;
  let message = error.message;
  for (const [native, vendor] of Object.entries(names)) message = message.replaceAll(`"${native}"`, `"${vendor}"`);
  const field = details?.field !== undefined ? (names[details.field] ?? details.field) : undefined;
  if (message === error.message && field === details?.field) return error;
  return new AppError(error.code, message, { details: field === undefined ? details : { ...details, field }, cause: error });
}

/** The fields of `body` a dialect does not map onto a native field: kept, never dropped. */
export function unmappedFields(body: Record<string, unknown>, mapped: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name]) => !mapped.includes(name)));
}

/** What a compat call keeps in its metadata: the dialect it came through and the fields Parley had no use for. */
export function compatMetadata(vendor: string, fields: Record<string, unknown>): { compat: { vendor: string; fields?: Record<string, unknown> } } {
  return { compat: { vendor, ...(Object.keys(fields).length > 0 ? { fields } : {}) } };
}
