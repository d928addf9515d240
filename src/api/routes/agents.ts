/** /v1/agents and /v1/phone-numbers: who calls, and from which number. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { agentInput, agentPatch } from '../../agents/agent-settings.js';
import { phoneNumberView } from '../../numbers/phone-number-service.js';
import { carrierIds } from '../../telephony/types.js';
import { AppError } from '../../shared/errors.js';
import { toE164 } from '../../shared/phone.js';

const idParams = z.object({ id: z.string().min(1).max(100) });
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().max(500).optional() }).strict();

const phoneNumberInput = z
  .object({
    number: z.string().min(1).max(32).describe('E.164'),
    carrier: z.enum(carrierIds).default('sim'),
    agent_id: z.string().min(1).max(100).nullish().describe('An agent id; null for none'),
    label: z.string().max(200).nullish(),
  })
  .strict();

export function agentRoutes(app: FastifyInstance, services: ApiServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { agents, numbers, keys } = services;

  api.post(
    '/v1/agents',
    { schema: { tags: ['agents'], summary: 'Create an agent', body: agentInput.strict() }, onRequest: authenticate(keys, 'agents:write') },
    async (request, reply) => reply.status(201).send(agents.view(await agents.create(principalOf(request).orgId, request.body))),
  );
  api.get(
    '/v1/agents',
    { schema: { tags: ['agents'], summary: 'List agents', querystring: pageQuery }, onRequest: authenticate(keys, 'agents:read') },
    async (request) => {
      const page = await agents.list(principalOf(request).orgId, request.query);
      return { data: page.data.map((row) => agents.view(row)), has_more: page.nextCursor !== null, next_cursor: page.nextCursor };
    },
  );
  api.get(
    '/v1/agents/:id',
    { schema: { tags: ['agents'], summary: 'Get an agent', params: idParams }, onRequest: authenticate(keys, 'agents:read') },
    async (request) => agents.view(await agents.get(principalOf(request).orgId, request.params.id)),
  );
  api.patch(
    '/v1/agents/:id',
    { schema: { tags: ['agents'], summary: 'Update an agent', params: idParams, body: agentPatch.strict() }, onRequest: authenticate(keys, 'agents:write') },
    async (request) => agents.view(await agents.update(principalOf(request).orgId, request.params.id, request.body)),
  );
  api.delete(
    '/v1/agents/:id',
    { schema: { tags: ['agents'], summary: 'Delete an agent', params: idParams }, onRequest: authenticate(keys, 'agents:write') },
    async (request, reply) => {
      await agents.remove(principalOf(request).orgId, request.params.id);
      return reply.status(204).send();
    },
  );

  const assertE164 = (number: string): string => {
    const e164 = toE164(number);
    if (!e164) throw new AppError('INVALID_PHONE_NUMBER', '"number" must be a valid phone number in E.164 form, like +14155550100', { details: { field: 'number' } });
    return e164;
  };

  api.post(
    '/v1/phone-numbers',
    { schema: { tags: ['phone-numbers'], summary: 'Add a phone number', body: phoneNumberInput }, onRequest: authenticate(keys, 'agents:write') },
    async (request, reply) => {
      const row = await numbers.create(principalOf(request).orgId, { ...request.body, number: assertE164(request.body.number) });
      return reply.status(201).send(phoneNumberView(row));
    },
  );
  api.get(
    '/v1/phone-numbers',
    { schema: { tags: ['phone-numbers'], summary: 'List phone numbers', querystring: z.object({ agent_id: z.string().max(100).optional() }).strict() }, onRequest: authenticate(keys, 'agents:read') },
    async (request) => ({ data: (await numbers.list(principalOf(request).orgId, { agentId: request.query.agent_id })).map(phoneNumberView) }),
  );
  api.get(
    '/v1/phone-numbers/:id',
    { schema: { tags: ['phone-numbers'], summary: 'Get a phone number', params: idParams }, onRequest: authenticate(keys, 'agents:read') },
    async (request) => phoneNumberView(await numbers.get(principalOf(request).orgId, request.params.id)),
  );
  api.patch(
    '/v1/phone-numbers/:id',
    {
      schema: { tags: ['phone-numbers'], summary: 'Assign a number to an agent', params: idParams, body: z.object({ agent_id: z.string().min(1).max(100).nullish(), label: z.string().max(200).nullish() }).strict() },
      onRequest: authenticate(keys, 'agents:write'),
    },
    async (request) => phoneNumberView(await numbers.update(principalOf(request).orgId, request.params.id, request.body)),
  );
  api.delete(
    '/v1/phone-numbers/:id',
    { schema: { tags: ['phone-numbers'], summary: 'Remove a phone number', params: idParams }, onRequest: authenticate(keys, 'agents:write') },
    async (request, reply) => {
      await numbers.remove(principalOf(request).orgId, request.params.id);
      return reply.status(204).send();
    },
  );
}
