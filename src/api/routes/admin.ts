/** API keys, inbound hooks and simulated personas. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, authenticateHookToken, hookOf, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { scopes } from '../../keys/api-keys.js';
import { hookPayload, hookView } from '../../hooks/hook-service.js';
import { personaDefinition } from '../../telephony/sim/personas.js';
import { personaView } from '../../telephony/sim/persona-service.js';
import { callView } from '../../calls/call-view.js';
import { AppError } from '../../shared/errors.js';
import { toE164 } from '../../shared/phone.js';
import { renameFields } from '../compat/dialect.js';

const idParams = z.object({ id: z.string().min(1).max(100) });

/** A hook payload's fields by the call field they become. */
const hookFieldNames = { to: 'data.contact_number', variables: 'data.additional_info', agent_id: 'data.agent_id' };

export function adminRoutes(app: FastifyInstance, services: ApiServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { keys, hooks, personas } = services;

  api.post(
    '/v1/api-keys',
    {
      schema: { tags: ['api-keys'], summary: 'Create an API key (shown once)', body: z.object({ name: z.string().trim().min(1).max(200), scopes: z.array(z.enum(scopes)).min(1) }).strict() },
      onRequest: authenticate(keys, 'admin'),
    },
    async (request, reply) => reply.status(201).send(await keys.create(principalOf(request).orgId, request.body.name, request.body.scopes)),
  );
  api.get('/v1/api-keys', { schema: { tags: ['api-keys'], summary: 'List API keys' }, onRequest: authenticate(keys, 'admin') }, async (request) => ({
    data: await keys.list(principalOf(request).orgId),
  }));
  api.delete(
    '/v1/api-keys/:id',
    { schema: { tags: ['api-keys'], summary: 'Revoke an API key', params: idParams }, onRequest: authenticate(keys, 'admin') },
    async (request) => keys.revoke(principalOf(request).orgId, request.params.id),
  );

  api.post(
    '/v1/hooks',
    {
      schema: { tags: ['hooks'], summary: 'Create an inbound hook token (shown once)', body: z.object({ name: z.string().trim().min(1).max(200).default('hook'), agent_id: z.string().min(1).max(100).nullish() }).strict() },
      onRequest: authenticate(keys, 'calls:write'),
    },
    async (request, reply) => {
      const { hook, token } = await hooks.create(principalOf(request).orgId, request.body);
      return reply.status(201).send({ ...hookView(hook), token, url: `/v1/hooks/${token}` });
    },
  );
  api.get('/v1/hooks', { schema: { tags: ['hooks'], summary: 'List hooks' }, onRequest: authenticate(keys, 'calls:read') }, async (request) => ({
    data: (await hooks.list(principalOf(request).orgId)).map(hookView),
  }));
  api.delete(
    '/v1/hooks/:id',
    { schema: { tags: ['hooks'], summary: 'Revoke a hook', params: idParams }, onRequest: authenticate(keys, 'calls:write') },
    async (request) => hookView(await hooks.revoke(principalOf(request).orgId, request.params.id)),
  );
  api.post(
    '/v1/hooks/:token',
    {
      schema: { tags: ['hooks'], summary: 'Run a hook: {"action":"call.create","data":{…}}', params: z.object({ token: z.string().min(1).max(300) }), body: hookPayload },
      onRequest: authenticateHookToken(hooks),
    },
    async (request, reply) => {
      const hook = hookOf(request);
      let ran;
      try {
        ran = await hooks.run(hook, request.body);
      } catch (error) {
        // The call's refusals name its own fields ("to"); the hook's client sent these.
        throw renameFields(error, hookFieldNames);
      }
      const { call, created } = ran;
      return reply.status(201).send({ success: true, call_id: call.id, status: call.status, call: callView(call) });
    },
  );

  api.post(
    '/v1/sim/personas',
    {
      schema: { tags: ['simulator'], summary: 'Register who answers a number on the simulated network', body: personaDefinition.extend({ number: z.string().min(1).max(32) }).strict() },
      onRequest: authenticate(keys, 'agents:write'),
    },
    async (request, reply) => {
      const { number, ...definition } = request.body;
      const e164 = toE164(number);
      if (!e164) throw new AppError('INVALID_PHONE_NUMBER', '"number" must be a valid phone number in E.164 form', { details: { field: 'number' } });
      return reply.status(201).send(personaView(await personas.upsert(principalOf(request).orgId, e164, definition)));
    },
  );
  api.get('/v1/sim/personas', { schema: { tags: ['simulator'], summary: 'List personas' }, onRequest: authenticate(keys, 'agents:read') }, async (request) => ({
    data: (await personas.list(principalOf(request).orgId)).map(personaView),
  }));
  api.delete(
    '/v1/sim/personas/:id',
    { schema: { tags: ['simulator'], summary: 'Remove a persona', params: idParams }, onRequest: authenticate(keys, 'agents:write') },
    async (request, reply) => {
      await personas.remove(principalOf(request).orgId, request.params.id);
      return reply.status(204).send();
    },
  );
}
