/** Bearer API keys on the native API: who is asking, and may they. */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../shared/errors.js';
import { hasScope, type ApiKeyService, type Principal, type Scope } from '../keys/api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The key presented as `Authorization: Bearer <key>`. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** A preHandler that authenticates with `extract` and requires `scope`. */
export function authenticate(keys: ApiKeyService, scope: Scope, extract: (request: FastifyRequest) => string | undefined = bearerToken): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const presented = extract(request);
    if (!presented) throw new AppError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
    const principal = await keys.authenticate(presented);
    if (!principal) throw new AppError('UNAUTHENTICATED', 'The API key is not valid or was revoked');
    if (!hasScope(principal, scope)) throw new AppError('FORBIDDEN_SCOPE', `This needs the "${scope}" scope`, { details: { scope } });
    request.principal = principal;
  };
}

/** The principal of an authenticated request (the preHandler guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED');
  return request.principal;
}
