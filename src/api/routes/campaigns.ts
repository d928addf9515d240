/** /v1/campaigns: create, read, list, update, delete; contacts as JSON or CSV; start, pause, resume, cancel. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { addContactsBody, campaignContactView, campaignView, createCampaignBody, updateCampaignBody } from '../../campaigns/campaign-schema.js';

const idParams = z.object({ id: z.string().min(1).max(100) });
const page = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().max(500).optional() }).strict();
/** A CSV of 100,000 contacts with a few columns is ~5 MB; this leaves room for wide lists. */
export const csvBodyLimitBytes = 64 * 1024 * 1024;

export async function campaignRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  // CSV is accepted only here, in this plugin's own scope: elsewhere a text body is still a 415.
  await app.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string', bodyLimit: csvBodyLimitBytes }, (_request, body, done) => done(null, body));
    routes(scope, services);
  });
}

function routes(app: FastifyInstance, services: ApiServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { campaigns, keys } = services;
  // Keys are checked on request, before a (possibly large) body is read.
  const read = authenticate(keys, 'calls:read');
  const write = authenticate(keys, 'calls:write');

  const withProgress = async (id: string, orgId: string) => {
    const row = await campaigns.get(orgId, id);
    return campaignView(row, await campaigns.progress(row.id));
  };

  api.post('/v1/campaigns', { schema: { tags: ['campaigns'], summary: 'Create a campaign (draft)', body: createCampaignBody }, onRequest: write }, async (request, reply) => {
    const row = await campaigns.create(principalOf(request).orgId, request.body);
    return reply.status(201).send(campaignView(row, await campaigns.progress(row.id)));
  });

  api.get('/v1/campaigns', { schema: { tags: ['campaigns'], summary: 'List campaigns, newest first', querystring: page }, onRequest: read }, async (request) => {
    const found = await campaigns.list(principalOf(request).orgId, request.query);
    return { data: found.data.map((row) => campaignView(row)), has_more: found.nextCursor !== null, next_cursor: found.nextCursor };
  });

  api.get('/v1/campaigns/:id', { schema: { tags: ['campaigns'], summary: 'Get a campaign with its progress', params: idParams }, onRequest: read }, async (request) =>
    withProgress(request.params.id, principalOf(request).orgId),
  );

  api.patch('/v1/campaigns/:id', { schema: { tags: ['campaigns'], summary: 'Update a campaign that has not ended', params: idParams, body: updateCampaignBody }, onRequest: write }, async (request) => {
    const { orgId } = principalOf(request);
    const row = await campaigns.update(orgId, request.params.id, request.body);
    return campaignView(row, await campaigns.progress(row.id));
  });

  api.delete('/v1/campaigns/:id', { schema: { tags: ['campaigns'], summary: 'Delete a campaign that is not running (its calls stay)', params: idParams }, onRequest: write }, async (request, reply) => {
    await campaigns.remove(principalOf(request).orgId, request.params.id);
    return reply.status(204).send();
  });

  api.post(
    '/v1/campaigns/:id/contacts',
    {
      bodyLimit: csvBodyLimitBytes,
      schema: {
        tags: ['campaigns'],
        summary: 'Add contacts: JSON {contacts: [{phone, variables?, timezone?, first_name?, …}]}, or a CSV (Content-Type: text/csv) with a phone column, every other column a variable',
        params: idParams,
        body: z.union([addContactsBody, z.string().max(csvBodyLimitBytes)]),
      },
      onRequest: write,
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const body = request.body;
      if (typeof body === 'string') return campaigns.addContactsCsv(orgId, request.params.id, body);
      return campaigns.addContacts(orgId, request.params.id, body.contacts.map((input, index) => ({ index, input })));
    },
  );

  api.get(
    '/v1/campaigns/:id/contacts',
    {
      schema: { tags: ['campaigns'], summary: "A campaign's contacts in list order, each with its attempts", params: idParams, querystring: page.extend({ status: z.enum(['pending', 'calling', 'done', 'skipped', 'canceled']).optional() }) },
      onRequest: read,
    },
    async (request) => {
      const found = await campaigns.contacts(principalOf(request).orgId, request.params.id, request.query);
      return { data: found.data.map(({ row, attempts }) => campaignContactView(row, attempts)), has_more: found.nextCursor !== null, next_cursor: found.nextCursor };
    },
  );

  for (const action of ['start', 'pause', 'resume', 'cancel'] as const) {
    api.post(`/v1/campaigns/:id/${action}`, { schema: { tags: ['campaigns'], summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign`, params: idParams }, onRequest: write }, async (request) => {
      const { orgId } = principalOf(request);
      const row = await campaigns[action](orgId, request.params.id);
      return campaignView(row, await campaigns.progress(row.id));
    });
  }
}
