/** /v1/do-not-call: the organisation's do-not-call list (JSON or CSV); /v1/settings: its dialling rules. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { doNotCallView } from '../../dnc/do-not-call-service.js';
import { orgSettingsSchema, orgSettingsView } from '../../orgs/org-settings.js';
import { csvBodyLimitBytes } from './campaigns.js';

const addBody = z.strictObject({
  numbers: z.array(z.string().min(1).max(32)).min(1).max(100_000),
  reason: z.string().max(500).nullish(),
});

export async function doNotCallRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string', bodyLimit: csvBodyLimitBytes }, (_request, body, done) => done(null, body));
    routes(scope, services);
  });
}

function routes(app: FastifyInstance, services: ApiServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { doNotCall, keys } = services;
  const read = authenticate(keys, 'calls:read');
  const write = authenticate(keys, 'calls:write');

  api.post(
    '/v1/do-not-call',
    {
      bodyLimit: csvBodyLimitBytes,
      schema: {
        tags: ['do-not-call'],
        summary: 'Add numbers: JSON {numbers, reason?}, or a CSV (Content-Type: text/csv) with a number column (and optionally reason)',
        body: z.union([addBody, z.string().max(csvBodyLimitBytes)]),
      },
      onRequest: write,
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const body = request.body;
      if (typeof body === 'string') return doNotCall.importCsv(orgId, body);
      return doNotCall.add(orgId, body.numbers, body.reason ?? null);
    },
  );

  api.get(
    '/v1/do-not-call',
    { schema: { tags: ['do-not-call'], summary: 'List the do-not-call numbers', querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().max(40).optional() }).strict() }, onRequest: read },
    async (request) => {
      const found = await doNotCall.list(principalOf(request).orgId, request.query);
      return { data: found.data.map(doNotCallView), total: found.total, has_more: found.nextCursor !== null, next_cursor: found.nextCursor };
    },
  );

  api.delete(
    '/v1/do-not-call/:number',
    { schema: { tags: ['do-not-call'], summary: 'Take a number off the list', params: z.object({ number: z.string().min(1).max(40) }) }, onRequest: write },
    async (request, reply) => {
      await doNotCall.remove(principalOf(request).orgId, decodeURIComponent(request.params.number));
      return reply.status(204).send();
    },
  );

  api.get('/v1/settings', { schema: { tags: ['settings'], summary: "The organisation's dialling rules" }, onRequest: read }, async (request) =>
    orgSettingsView(await services.settings.read(principalOf(request).orgId)),
  );

  api.patch(
    '/v1/settings',
    { schema: { tags: ['settings'], summary: 'Change the default calling window (real carriers) or the daily cap per number', body: orgSettingsSchema }, onRequest: authenticate(keys, 'admin') },
    async (request) => orgSettingsView(await services.settings.update(principalOf(request).orgId, request.body)),
  );
}
