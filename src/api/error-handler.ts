/** The one place errors become HTTP responses: `{"error":{"code","message","details"}}`. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, errorCodes, type ErrorCode } from '../shared/errors.js';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

export function errorBody(code: ErrorCode | string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Field path of a validation issue, as `variables.name` or `to`. */
function fieldOf(instancePath: string | undefined, params: Record<string, unknown> | undefined): string {
  const path = (instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const issue = params?.issue as { path?: (string | number)[] } | undefined;
  if (issue?.path?.length) return issue.path.join('.');
  return path || 'body';
}

/** Maps any thrown error to a status and body; a 5xx is logged, since it is a bug. */
export function toHttpError(error: unknown, request: FastifyRequest): { status: number; body: ErrorBody } {
  if (error instanceof AppError) return { status: error.httpStatus, body: errorBody(error.code, error.message, error.details) };
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      field: fieldOf(issue.instancePath, issue.params as Record<string, unknown>),
      message: issue.message ?? 'is not valid',
    }));
    const first = issues[0];
    const where = error.validationContext ?? 'body';
    const message = first ? `Invalid ${where}: "${first.field}" ${first.message}` : `Invalid ${where}`;
    return { status: 400, body: errorBody('VALIDATION_FAILED', message, { location: where, issues }) };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: errorBody('INVALID_JSON', 'The request body is not valid JSON') };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: errorBody('BODY_TOO_LARGE', errorCodes.BODY_TOO_LARGE.message) };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: errorBody('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json') };
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return { status: 400, body: errorBody('INVALID_JSON', 'The request body is not valid JSON') };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, body: errorBody('BAD_REQUEST', fastifyError.message) };
  }
  request.log.error({ err: error }, 'unhandled error');
  return { status: 500, body: errorBody('INTERNAL', errorCodes.INTERNAL.message) };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply: FastifyReply) => {
    const { status, body } = toHttpError(error, request);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
