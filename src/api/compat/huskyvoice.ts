/**
 * HuskyVoice AI under /compat/huskyvoice: POST /v1/calls (Bearer key), the inbound webhook
 * POST /v1/hooks/{token} (action call.create, the token is the credential), and the call status
 * and cancel the docs refer to, as GET /v1/calls/{id} and POST /v1/calls/{id}/cancel.
 * Success answers 200 `{success, call_id, status, message}`; errors `{success:false, message, error}`.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { authenticate, authenticateHookToken, hookOf, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import type { CallRow } from '../../calls/call-view.js';
import { callView } from '../../calls/call-view.js';
import { maxVariables } from '../../calls/call-service.js';
import type { ContactFields } from '../../contacts/contact-service.js';
import { AppError } from '../../shared/errors.js';
import { compatMetadata, invalidField, parseRequest, registerDialect, renameFields, unmappedFields, type ErrorShaper } from './dialect.js';
import { findAgent, idempotencyKey, placeCall } from './core.js';

export const huskyVoicePrefix = '/compat/huskyvoice';

const additionalInfo = z.record(z.string().min(1).max(64), z.union([z.string().max(5000), z.number(), z.boolean()]));

const createBody = z.looseObject({
  agent_id: z.string().min(1).max(100),
  contact_number: z.string().min(1).max(32),
  additional_info: additionalInfo.nullish(),
  contact_name: z.string().trim().max(200).nullish(),
});
const createFields = ['agent_id', 'contact_number', 'additional_info', 'contact_name'];

const hookBody = z.looseObject({
  action: z.string().max(100),
  data: z.looseObject({
    agent_id: z.string().min(1).max(100).optional(),
    contact_number: z.string().min(1).max(32),
    contact_name: z.string().trim().max(200).optional(),
    additional_info: additionalInfo.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
});
const hookDataFields = ['agent_id', 'contact_number', 'contact_name', 'additional_info', 'metadata'];

const queuedMessage = 'Call has been queued successfully.';

/** HuskyVoice's success flag on the native error, so a client testing `success` sees the failure. */
export const huskyVoiceError: ErrorShaper = (status, error) => ({ status, body: { success: false, message: error.message, error } });

/** "Charlie Brown" -> first name Charlie, last name Brown. */
function nameFields(name: string | null | undefined): ContactFields {
  const trimmed = name?.trim();
  if (!trimmed) return {};
  const [first, ...rest] = trimmed.split(/\s+/);
  return { first_name: first, ...(rest.length > 0 ? { last_name: rest.join(' ') } : {}) };
}

/** `contact_name` also becomes a variable the prompt can use, as on native hooks. */
function withContactName(variables: Record<string, string | number | boolean>, name: string | null | undefined) {
  if (name && !('contact_name' in variables) && Object.keys(variables).length < maxVariables) return { ...variables, contact_name: name };
  return variables;
}

function queued(call: CallRow, created: boolean) {
  return { success: true, call_id: call.id, status: call.status, message: created ? queuedMessage : 'This Idempotency-Key already created the call.' };
}

/** The call's status and outcome in HuskyVoice's vocabulary (its own fields plus the native view). */
function statusView(call: CallRow) {
  const view = callView(call);
  return {
    success: true,
    call_id: view.id,
    status: view.status,
    end_reason: view.end_reason,
    agent_id: view.agent_id,
    contact_number: view.to,
    additional_info: view.variables,
    created_at: view.created_at,
    answered_at: view.answered_at,
    ended_at: view.ended_at,
    duration: view.duration_s,
    transcript: view.transcript,
    outcome: view.outcome,
    summary: view.summary,
  };
}

async function agentIdFor(services: ApiServices, orgId: string, ref: string, field: string): Promise<string> {
  const agent = await findAgent(services, orgId, ref);
  if (!agent) throw new AppError('AGENT_NOT_FOUND', `No agent "${ref}"`, { details: { field, agent_id: ref } });
  return agent.id;
}

export async function huskyVoiceRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  const { keys, calls, hooks } = services;
  await registerDialect(app, huskyVoicePrefix, huskyVoiceError, (scope) => {
    scope.post('/v1/calls', { schema: { hide: true }, onRequest: authenticate(keys, 'calls:write') }, async (request) => {
      const { orgId } = principalOf(request);
      const body = parseRequest(createBody, request.body);
      const agentId = await agentIdFor(services, orgId, body.agent_id, 'agent_id');
      const placed = await placeCall(
        services,
        orgId,
        {
          agent_id: agentId,
          to: body.contact_number,
          variables: withContactName(body.additional_info ?? {}, body.contact_name),
          metadata: compatMetadata('huskyvoice', unmappedFields(body, createFields)),
          contact: nameFields(body.contact_name),
        },
        { to: 'contact_number', variables: 'additional_info', agent_id: 'agent_id' },
        idempotencyKey(request),
      );
      return queued(placed.call, placed.created);
    });

    scope.get('/v1/calls/:id', { schema: { hide: true }, onRequest: authenticate(keys, 'calls:read') }, async (request) => {
      const { id } = request.params as { id: string };
      return statusView(await calls.get(principalOf(request).orgId, id));
    });

    scope.post('/v1/calls/:id/cancel', { schema: { hide: true }, onRequest: authenticate(keys, 'calls:write') }, async (request) => {
      const { id } = request.params as { id: string };
      const call = await calls.requestCancel(principalOf(request).orgId, id);
      const message = call.status === 'canceled' ? 'Call has been canceled.' : 'Call cancellation requested; the call is being hung up.';
      return { success: true, call_id: call.id, status: call.status, message };
    });

    scope.post('/v1/hooks/:token', { schema: { hide: true }, onRequest: authenticateHookToken(hooks) }, async (request) => {
      const hook = hookOf(request);
      const body = parseRequest(hookBody, request.body);
      if (body.action !== 'call.create') throw invalidField('action', `"action" must be "call.create"; got "${body.action.slice(0, 100)}"`);
      const { data } = body;
      const agentId = data.agent_id ? await agentIdFor(services, hook.orgId, data.agent_id, 'data.agent_id') : undefined;
      let ran;
      try {
        ran = await hooks.run(hook, {
          action: 'call.create',
          data: {
            ...(agentId ? { agent_id: agentId } : {}),
            contact_number: data.contact_number,
            ...(data.contact_name ? { contact_name: data.contact_name } : {}),
            ...(data.additional_info ? { additional_info: data.additional_info } : {}),
            metadata: { ...data.metadata, ...compatMetadata('huskyvoice', { ...unmappedFields(data, hookDataFields), ...unmappedFields(body, ['action', 'data']) }) },
          },
        });
      } catch (error) {
        throw renameFields(error, { to: 'data.contact_number', variables: 'data.additional_info' });
      }
      if (data.contact_name) await services.contacts.upsert(hook.orgId, ran.call.toNumber, nameFields(data.contact_name));
      return queued(ran.call, ran.created);
    });
  });
}
