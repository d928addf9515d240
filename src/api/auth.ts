/** Bearer API keys on the native API: who is asking, and may they. */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../shared/errors.js';
import { hasScope, type ApiKeyService, type Principal, type Scope } from '../keys/api-keys.js';
import type { HookRow, HookService } from '../hooks/hook-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** The key the request authenticated with: a long-lived connection watches it for revocation. */
    presentedKey?: string;
    /** The inbound hook a `/hooks/{token}` request's token names. */
    hook?: HookRow;
  }
}

/** Finds the key a request presents; `how` says how a client should send it (a dialect's own way). */
export interface KeyExtractor {
  (request: FastifyRequest): string | undefined;
  readonly how?: string;
}

/** The key presented as `Authorization: Bearer <key>`. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * An `onRequest` hook that authenticates with `extract` and requires `scope`. It runs before the
 * body is read, so a client without a valid key gets 401 whatever it sends (an oversized or
 * malformed body included) and never learns the route's schema.
 */
export function authenticate(keys: ApiKeyService, scope: Scope, extract: KeyExtractor = bearerToken): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const presented = extract(request);
    if (!presented) throw new AppError('UNAUTHENTICATED', `Send an API key as "${extract.how ?? 'Authorization: Bearer <key>'}"`);
    const principal = await keys.authenticate(presented);
    if (!principal) throw new AppError('UNAUTHENTICATED', 'The API key is not valid or was revoked');
    if (!hasScope(principal, scope)) throw new AppError('FORBIDDEN_SCOPE', `This needs the "${scope}" scope`, { details: { scope } });
    request.principal = principal;
    request.presentedKey = presented;
  };
}

/**
 * Ends a long-lived connection (an event stream, a chat, a web call) the moment the key it was
 * opened with is revoked: a revoked key is refused at once, not at the connection's next request.
 * Returns the unsubscribe, for when the connection ends first.
 */
export function endOnRevocation(keys: ApiKeyService, request: FastifyRequest, end: () => void): () => void {
  return request.presentedKey ? keys.watchRevocation(request.presentedKey, end) : () => undefined;
}

/** The principal of an authenticated request (the onRequest hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED');
  return request.principal;
}

/**
 * An `onRequest` hook for `POST …/hooks/{token}`: the token in the path is the credential, checked
 * (404 for an unknown or revoked one) before the body is read.
 */
export function authenticateHookToken(hooks: HookService): onRequestAsyncHookHandler {
  return async (request: FastifyRequest) => {
    const { token } = request.params as { token?: string };
    request.hook = await hooks.resolve(token ?? '');
  };
}

/** The hook of a request the token hook let through. */
export function hookOf(request: FastifyRequest): HookRow {
  if (!request.hook) throw new AppError('HOOK_NOT_FOUND');
  return request.hook;
}
