/**
 * Voicing AI under /compat/voicing (`x-api-key`): publish-outbound-call, get-call-details (one
 * call by `call_id`, or a page by `page`/`limit`), get-call-details/bulk-by-ids, and the chatbot
 * WebSocket (the native chat protocol). Errors are `{detail}` with 400, 401, 404 or 500 only, as
 * documented; call ids are the UUID spelling of Parley's ids (call-uuid.ts).
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate, endOnRevocation, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { chatCapacity, serveChat, type ChatDeps } from '../routes/chat.js';
import { callView, type CallRow } from '../../calls/call-view.js';
import type { CallStatus } from '../../calls/call-status.js';
import { AppError, assertNever } from '../../shared/errors.js';
import type { Variables } from '../../brain/types.js';
import { apiKeyHeader, compatMetadata, invalidField, parseRequest, registerDialect, unmappedFields, type ErrorShaper } from './dialect.js';
import { findAgent, idempotencyKey, placeCall } from './core.js';
import { callIdToUuid, nativeCallId } from './call-uuid.js';

export const voicingPrefix = '/compat/voicing';

const variables = z.record(z.string().min(1).max(64), z.union([z.string().max(5000), z.number(), z.boolean()]));

const publishBody = z.looseObject({
  assistant_id: z.string().min(1).max(100),
  phone_number: z.string().min(1).max(32),
  input_variables: variables.nullish(),
  telephony_provider: z.string().min(1).max(100),
});
const publishFields = ['assistant_id', 'phone_number', 'input_variables'];

const detailsQuery = z.strictObject({
  call_id: z.string().min(1).max(100).optional(),
  page: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});
const bulkBody = z.looseObject({ call_ids: z.array(z.string().min(1).max(100)).min(1).max(100) });

/** Pages are walked with the native cursor; deeper than this, the native API's cursors serve better. */
const maxListedRows = 10_000;

/** Voicing documents 400, 401, 404 and 500, each as `{detail}`: every refusal is one of them. */
export const voicingError: ErrorShaper = (status, error) => {
  if (status === 401) return { status, body: { detail: 'Invalid API token' } };
  if (error.code === 'FORBIDDEN_SCOPE') return { status: 401, body: { detail: `Invalid API token: ${error.message}` } };
  if (status === 404 || status >= 500) return { status, body: { detail: error.message } };
  return { status: 400, body: { detail: error.message } };
};

/** Native statuses in the spelling Voicing's examples use (initiated, ringing, in-progress, completed, failed). */
export function voicingStatus(status: CallStatus): string {
  switch (status) {
    case 'queued':
    case 'dialing':
      return 'initiated';
    case 'ringing':
      return 'ringing';
    case 'in_progress':
      return 'in-progress';
    case 'completed':
      return 'completed';
    case 'busy':
      return 'busy';
    case 'no_answer':
      return 'no-answer';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
    case 'voicemail':
      return 'voicemail';
    default:
      return assertNever(status);
  }
}

/** One call as get-call-details shows it; `callId` is the id as the client spelled it. */
function details(call: CallRow, callId: string) {
  const view = callView(call);
  return {
    call_id: callId,
    status: voicingStatus(call.status as CallStatus),
    duration: view.duration_s ?? 0,
    started_at: view.answered_at,
    ended_at: view.ended_at,
    assistant_id: view.agent_id,
    phone_number: view.to,
    input_variables: view.variables,
    created_at: view.created_at,
    end_reason: view.end_reason,
    transcript: view.transcript,
    outcome: view.outcome,
    summary: view.summary,
  };
}

const uuidOf = (call: CallRow): string => callIdToUuid(call.id) ?? call.id;

async function assistantId(services: ApiServices, orgId: string, ref: string, field = 'assistant_id'): Promise<string> {
  const agent = await findAgent(services, orgId, ref);
  if (!agent) throw new AppError('AGENT_NOT_FOUND', `Assistant with ID ${ref} not found`, { details: { field } });
  return agent.id;
}

export async function voicingRoutes(app: FastifyInstance, services: ApiServices, chat: ChatDeps): Promise<void> {
  const { keys, calls } = services;
  const key = apiKeyHeader('x-api-key');
  const base = '/api/v1/campaigns';

  await registerDialect(app, voicingPrefix, voicingError, (scope) => {
    scope.post(`${base}/publish-outbound-call`, { schema: { hide: true }, onRequest: authenticate(keys, 'calls:write', key) }, async (request) => {
      const { orgId } = principalOf(request);
      const body = parseRequest(publishBody, request.body);
      if (body.telephony_provider !== 'default') {
        throw invalidField('telephony_provider', '"telephony_provider" must be "default": calls go out on the carrier of the assistant\'s number', 'UNSUPPORTED_FIELD');
      }
      const placed = await placeCall(
        services,
        orgId,
        {
          agent_id: await assistantId(services, orgId, body.assistant_id),
          to: body.phone_number,
          variables: body.input_variables ?? {},
          metadata: compatMetadata('voicing', unmappedFields(body, publishFields)),
        },
        { to: 'phone_number', variables: 'input_variables' },
        idempotencyKey(request),
      );
      return { status: 'success', message: 'Outbound call started successfully', call_id: uuidOf(placed.call) };
    });

    scope.get(`${base}/get-call-details`, { schema: { hide: true }, onRequest: authenticate(keys, 'calls:read', key) }, async (request) => {
      const { orgId } = principalOf(request);
      const query = parseRequest(detailsQuery, request.query, 'query');
      if (query.call_id) {
        if (query.page !== undefined || query.limit !== undefined) throw invalidField('call_id', 'Send either "call_id" or "page"/"limit", not both');
        return { success: true, ...details(await calls.get(orgId, nativeCallId(query.call_id)), query.call_id) };
      }
      const page = query.page ?? 1;
      const limit = query.limit ?? 20;
      const skip = (page - 1) * limit;
      if (skip + limit > maxListedRows) throw invalidField('page', `"page" x "limit" may reach at most ${maxListedRows} calls; use GET /v1/calls with its cursor for more`);
      let cursor: string | undefined;
      if (skip > 0) {
        const head = await calls.list(orgId, {}, { limit: skip });
        if (!head.nextCursor) return { success: true, page, limit, has_more: false, data: [] };
        cursor = head.nextCursor;
      }
      const rows = await calls.list(orgId, {}, { limit, cursor });
      return { success: true, page, limit, has_more: rows.nextCursor !== null, data: rows.data.map((call) => details(call, uuidOf(call))) };
    });

    scope.get(`${base}/get-call-details/:call_id`, { schema: { hide: true }, onRequest: authenticate(keys, 'calls:read', key) }, async (request) => {
      const { call_id: callId } = request.params as { call_id: string };
      return { success: true, ...details(await calls.get(principalOf(request).orgId, nativeCallId(callId)), callId) };
    });

    scope.post(`${base}/get-call-details/bulk-by-ids`, { schema: { hide: true }, onRequest: authenticate(keys, 'calls:read', key) }, async (request) => {
      const body = parseRequest(bulkBody, request.body);
      // Every id as sent answers once, in the order sent: a call asked for in both spellings (its
      // UUID and its native id) is in `data` under each, so a client can match every id it sent.
      const sent = [...new Set(body.call_ids)];
      const rows = await calls.bulkGet(principalOf(request).orgId, [...new Set(sent.map(nativeCallId))]);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return {
        success: true,
        data: sent.flatMap((id) => {
          const row = byId.get(nativeCallId(id));
          return row ? [details(row, id)] : [];
        }),
        not_found: sent.filter((id) => !byId.has(nativeCallId(id))),
      };
    });

    // The chatbot: the assistant is found (404 before the upgrade), then the native chat runs on the socket.
    const chatAgents = new WeakMap<FastifyRequest, { agentId: string; variables: Variables }>();
    scope.get(
      '/api/v1/voicing/ws/platform/api/chatbot',
      {
        websocket: true,
        schema: { hide: true },
        onRequest: authenticate(keys, 'agents:read', key),
        preHandler: [
          chatCapacity(chat),
          async (request) => {
            const query = request.query as Record<string, string | undefined>;
            if (!query.assistant_id) throw invalidField('assistant_id', '"assistant_id" is required');
            const agentId = await assistantId(services, principalOf(request).orgId, query.assistant_id);
            chatAgents.set(request, { agentId, variables: chatVariables(query.input_variables) });
          },
        ],
      },
      (socket, request) => {
        const { agentId, variables: initial } = chatAgents.get(request)!;
        socket.on('close', endOnRevocation(keys, request, () => socket.close(4001, 'API key revoked')));
        serveChat(socket, chat, services, principalOf(request).orgId, agentId, initial, request.log).catch((error: unknown) =>
          request.log.error({ err: error }, 'chatbot socket handling failed'),
        );
      },
    );
  });
}

/** `?input_variables=<json object>` for the chatbot's prompt placeholders. */
function chatVariables(raw: string | undefined): Variables {
  if (!raw) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalidField('input_variables', '"input_variables" must be a JSON object');
  }
  const parsed = variables.safeParse(value);
  if (!parsed.success) throw invalidField('input_variables', '"input_variables" must be a JSON object of strings, numbers and booleans');
  return parsed.data;
}
