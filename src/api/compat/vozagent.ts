/**
 * VozAgent under /compat/vozagent: POST /v1/calls/outbound (Bearer key with calls:write). The
 * assistant by id or name, the contact found or created by number with its name, source, tags
 * and notes (name and notes also become prompt variables). 201 with the created call object;
 * errors keep the native `{error:{code,message,details}}` (VozAgent documents none).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import type { AgentRow } from '../../agents/agent-service.js';
import { AppError } from '../../shared/errors.js';
import { compatMetadata, invalidField, parseRequest, registerDialect, unmappedFields, type ErrorShaper } from './dialect.js';
import { contactOf, findAgent, idempotencyKey, placeCall } from './core.js';

export const vozAgentPrefix = '/compat/vozagent';

const tag = z.string().trim().min(1).max(100);
const outboundBody = z.looseObject({
  phone_number: z.string().min(1).max(32),
  assistant_id: z.string().min(1).max(100).nullish(),
  assistant_name: z.string().min(1).max(200).nullish(),
  first_name: z.string().trim().max(200).nullish(),
  last_name: z.string().trim().max(200).nullish(),
  source: z.string().trim().max(200).nullish(),
  tags: z.union([tag, z.array(tag).max(50)]).nullish(),
  notes: z.string().max(5000).nullish(),
});
const outboundFields = ['phone_number', 'assistant_id', 'assistant_name', 'first_name', 'last_name', 'source', 'tags', 'notes'];

/** VozAgent documents no error body: the native one, with its statuses (401, 403 scope, 400, 404, 422). */
export const vozAgentError: ErrorShaper = (status, error) => ({ status, body: { error } });

async function assistant(services: ApiServices, orgId: string, body: z.infer<typeof outboundBody>): Promise<AgentRow> {
  if (!body.assistant_id && !body.assistant_name) throw invalidField('assistant_id', 'Either "assistant_id" or "assistant_name" is required');
  const byId = body.assistant_id ? await findAgent(services, orgId, body.assistant_id) : undefined;
  if (body.assistant_id && !byId) throw new AppError('AGENT_NOT_FOUND', `No assistant with id "${body.assistant_id}"`, { details: { field: 'assistant_id' } });
  const byName = body.assistant_name ? await findAgent(services, orgId, body.assistant_name) : undefined;
  if (body.assistant_name && !byName) throw new AppError('AGENT_NOT_FOUND', `No assistant named "${body.assistant_name}"`, { details: { field: 'assistant_name' } });
  if (byId && byName && byId.id !== byName.id) throw invalidField('assistant_name', '"assistant_id" and "assistant_name" name different assistants');
  return (byId ?? byName)!;
}

export async function vozAgentRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  await registerDialect(app, vozAgentPrefix, vozAgentError, (scope) => {
    scope.post('/v1/calls/outbound', { schema: { hide: true }, onRequest: authenticate(services.keys, 'calls:write') }, async (request, reply) => {
      const { orgId } = principalOf(request);
      const body = parseRequest(outboundBody, request.body);
      const agent = await assistant(services, orgId, body);
      const tags = typeof body.tags === 'string' ? [body.tags] : body.tags;
      const variables = Object.fromEntries(
        (['first_name', 'last_name', 'notes'] as const).flatMap((name) => (body[name] ? [[name, body[name]!]] : [])),
      );
      const placed = await placeCall(
        services,
        orgId,
        {
          agent_id: agent.id,
          to: body.phone_number,
          variables,
          metadata: compatMetadata('vozagent', unmappedFields(body, outboundFields)),
          contact: {
            ...(body.first_name ? { first_name: body.first_name } : {}),
            ...(body.last_name ? { last_name: body.last_name } : {}),
            ...(body.source ? { source: body.source } : {}),
            ...(tags ? { tags } : {}),
            ...(body.notes ? { notes: body.notes } : {}),
          },
        },
        { to: 'phone_number' },
        idempotencyKey(request),
      ).catch((error: unknown) => {
        throw variablesVozAgentCannotGive(error);
      });
      const contact = await contactOf(services, orgId, placed);
      const { call } = placed;
      return reply.status(placed.created ? 201 : 200).send({
        call_id: call.id,
        status: call.status,
        direction: 'outbound',
        to_phone: call.toNumber,
        assistant_name: agent.name,
        contact_id: contact.id,
        is_new_contact: contact.created,
        created_at: call.createdAt.toISOString(),
      });
    });
  });
}

/**
 * VozAgent has no field for prompt variables: only first_name, last_name and notes become ones.
 * An agent that needs others cannot be called this way until it has defaults for them, and the
 * refusal says so, naming the assistant rather than a field VozAgent does not have.
 */
function variablesVozAgentCannotGive(error: unknown): unknown {
  if (!(error instanceof AppError) || error.code !== 'VARIABLES_MISSING') return error;
  const missing = ((error.details as { missing?: string[] } | undefined)?.missing ?? []).filter((name) => !['first_name', 'last_name', 'notes'].includes(name));
  if (missing.length === 0) return error;
  return new AppError(
    'VARIABLES_MISSING',
    `The assistant needs values a VozAgent call cannot give (${missing.join(', ')}): only first_name, last_name and notes reach its prompt, so give it default_variables for the rest in Parley`,
    { details: { field: 'assistant_id', missing }, cause: error },
  );
}
