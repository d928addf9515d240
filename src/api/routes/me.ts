/** GET /v1/me: what the presented key is (its organisation and scopes), so a client can show only what it may do. */
import type { FastifyInstance } from 'fastify';
import { bearerToken } from '../auth.js';
import type { ApiServices } from '../services.js';
import { AppError } from '../../shared/errors.js';
import { scopes } from '../../keys/api-keys.js';

export function meRoutes(app: FastifyInstance, services: ApiServices): void {
  app.get(
    '/v1/me',
    { schema: { tags: ['api-keys'], summary: 'The key making the request: its organisation and scopes (any valid key)' } },
    async (request) => {
      const presented = bearerToken(request);
      if (!presented) throw new AppError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
      const principal = await services.keys.authenticate(presented);
      if (!principal) throw new AppError('UNAUTHENTICATED', 'The API key is not valid or was revoked');
      const held = principal.scopes.has('admin') ? [...scopes] : scopes.filter((scope) => principal.scopes.has(scope));
      return { org_id: principal.orgId, key_id: principal.keyId, scopes: held };
    },
  );
}
