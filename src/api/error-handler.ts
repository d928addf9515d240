/** The one place errors become HTTP responses: `{"error":{"code","message","details"}}`. */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, errorCodes, type ErrorCode } from '../shared/errors.js';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

/** The body of an error response; only a code registered in shared/errors.ts can be sent. */
export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Path of a validation issue (`['variables', 'name']`; empty: the whole body or query). */
function pathOf(instancePath: string | undefined, params: Record<string, unknown>): readonly (string | number)[] {
  const issue = params.issue as { path?: (string | number)[] } | undefined;
  if (issue?.path?.length) return issue.path;
  return (instancePath ?? '').split('/').filter(Boolean);
}

/** A zod issue as the type provider passes it on: its code and the issue's own fields. */
interface Issue {
  readonly code: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly keys?: readonly string[];
  readonly errors?: readonly (readonly Issue[])[];
}

/**
 * One issue as a client should read it: the field it is about and what is wrong. A key the body
 * should not have is named as the field; of a union's alternatives, the one the body came
 * closest to speaks (not the one refused for its type at the top, as a CSV string is for JSON).
 */
function describeIssue(issue: Issue, where: string, at: readonly (string | number)[] = []): { field: string; message: string } {
  const path = [...at, ...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    const others = issue.keys.slice(1).map((key) => `"${key}"`);
    return { field: [...path, issue.keys[0]!].join('.'), message: `is not a field this request takes${others.length ? ` (nor are ${others.join(', ')})` : ''}` };
  }
  if (issue.code === 'invalid_union' && issue.errors?.length) {
    const refusedAtTop = (branch: readonly Issue[]) => branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0;
    const closest = issue.errors.find((branch) => branch.length > 0 && !refusedAtTop(branch));
    if (closest) return describeIssue(closest[0]!, where, path);
  }
  if (where === 'body' && issue.code === 'invalid_type' && path.length === 0 && /received (null|undefined)/.test(issue.message)) {
    return { field: 'body', message: 'is missing: send a JSON object' };
  }
  return { field: path.length ? path.join('.') : where, message: issue.message };
}

/** Maps any thrown error to a status and body; a 5xx is logged, since it is a bug. */
export function toHttpError(error: unknown, request: FastifyRequest): { status: number; body: ErrorBody } {
  if (error instanceof AppError) return { status: error.httpStatus, body: errorBody(error.code, error.message, error.details) };
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    const issues = error.validation.map((issue) => {
      const params = (issue.params ?? {}) as Record<string, unknown>;
      return describeIssue({ ...params, code: issue.keyword, path: pathOf(issue.instancePath, params), message: issue.message ?? 'is not valid' } as Issue, where);
    });
    const first = issues[0];
    const message = first ? `Invalid ${where}: "${first.field}" ${first.message}` : `Invalid ${where}`;
    return { status: 400, body: errorBody('VALIDATION_FAILED', message, { field: first?.field ?? where, location: where, issues }) };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidJson(error);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: errorBody('BODY_TOO_LARGE', errorCodes.BODY_TOO_LARGE.message, { field: 'body' }) };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE': {
      const sent = (request.headers['content-type'] ?? '').split(';')[0]!.trim().slice(0, 100).replace(/[^\x21-\x7e]/g, '');
      const message = `${sent ? `A ${sent} body is not taken here` : 'The body has no Content-Type'}: send application/json (contact and do-not-call imports also take text/csv)`;
      return { status: 415, body: errorBody('UNSUPPORTED_MEDIA_TYPE', message, { field: 'content-type' }) };
    }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: errorBody('BAD_REQUEST', 'Content-Length does not match the body', { field: 'content-length' }) };
    case 'FST_ERR_BAD_URL':
      return { status: 400, body: errorBody('BAD_URL', 'The URL holds an escape that is not valid UTF-8 (like "%E0%A4%A")', { field: 'url' }) };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, body: errorBody('PATH_PARAMETER_TOO_LONG', `The URL holds a path parameter longer than ${maxParamLength} characters`, { field: 'url' }) };
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) return invalidJson(error);
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, body: errorBody('BAD_REQUEST', errorCodes.BAD_REQUEST.message, { field: 'request' }) };
  }
  request.log.error({ err: error }, 'unhandled error');
  return { status: 500, body: errorBody('INTERNAL', errorCodes.INTERNAL.message) };
}

/**
 * A body the JSON parser refused: what the parser expected and where (a character offset), so the
 * client can find the mistake; never the body's own text, which may hold personal data.
 */
function invalidJson(error: unknown): { status: number; body: ErrorBody } {
  const text = error instanceof Error ? error.message : '';
  const at = /at position (\d+)/.exec(text);
  const reason = text
    .replace(/,?\s*".*" is not valid JSON$/s, '')
    .replace(/\s*(in JSON )?at position \d+.*$/s, '')
    .replace(/"[^"]*"/g, '…')
    .trim();
  // JSON.parse's own words (Fastify's wrapper of them says only that the body is not JSON).
  const fromJsonParse = error instanceof SyntaxError && !(error as FastifyError).code;
  const what = fromJsonParse && reason && reason.length <= 80 ? `${reason.charAt(0).toLowerCase()}${reason.slice(1)}` : '';
  const where = at ? `at position ${at[1]}` : '';
  const detail = [what, where].filter(Boolean).join(', ');
  return {
    status: 400,
    body: errorBody('INVALID_JSON', `The request body is not valid JSON${detail ? ` (${detail})` : ''}`, { field: 'body', ...(at ? { position: Number(at[1]) } : {}) }),
  };
}

/** Longest path parameter the router takes (Fastify's default); longer is 414. */
export const maxParamLength = 100;

/** The native error, as `toHttpError` makes it, turned into what a dialect's clients read. */
export type ErrorShaper = (status: number, error: ErrorBody['error']) => { status: number; body: unknown };

/** Dialects' error shapes by URL prefix, for the errors Fastify raises before any route is chosen. */
const prefixShapers = new Map<string, ErrorShaper>();

/** Makes the errors Fastify raises before routing (a bad URL, an overlong parameter) answer in `shape` under `prefix`. */
export function registerPrefixErrorShape(prefix: string, shape: ErrorShaper): void {
  prefixShapers.set(prefix, shape);
}

/**
 * Fastify's `frameworkErrors` option: a malformed URL or an overlong path parameter is refused
 * before routing, by Fastify itself; this gives those answers Parley's shape (or a dialect's).
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(error, request);
  const url = request.url ?? '';
  for (const [prefix, shape] of prefixShapers) {
    if (url === prefix || url.startsWith(`${prefix}/`)) {
      const shaped = shape(status, body.error);
      void reply.status(shaped.status).send(shaped.body);
      return;
    }
  }
  void reply.status(status).send(body);
}

/** Answers an unmatched request with a page instead of the JSON 404 (the dashboard's client routes); false to decline. */
export type NotFoundPage = (request: FastifyRequest, reply: FastifyReply) => boolean;

export function registerErrorHandling(app: FastifyInstance, options: { readonly page?: NotFoundPage } = {}): void {
  app.setErrorHandler((error, request, reply: FastifyReply) => {
    const { status, body } = toHttpError(error, request);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    if (options.page?.(request, reply)) return;
    void reply.status(404).send(errorBody('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refuses (malformed framing, a body
 * on a keep-alive connection without a length, headers over the limit) is answered in Parley's
 * shape, as Fastify's default does in its own, and the connection is closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message, field]: [number, ErrorCode, string, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time', 'request']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts', 'headers']
        : [400, 'BAD_REQUEST', 'The request is not well-formed HTTP', 'request'];
  const body = JSON.stringify(errorBody(code, message, { field }));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
