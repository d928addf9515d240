/**
 * Hamsa under /compat/hamsa: POST /v1/voice-agents/call (`Authorization: Token <key>`; a bare
 * key or Bearer too). The agent is `voiceAgentId` (+ `params` as variables) or an inline
 * `agentDetails` (a real Parley agent, hamsa-agent.ts); `webhookUrl` + `webhookAuth` become the
 * call's webhook and its `Authorization: <authKey> <authSecret>` header (sealed at rest, never
 * echoed). Answers 200 `{success, message, data}`; errors `{success:false, message, data:null, error}`.
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import type { AgentRow } from '../../agents/agent-service.js';
import { recordingPath, recordingUrlOf } from '../../calls/call-view.js';
import { recordingSettingsOf } from '../../calls/call-recordings.js';
import type { CallRow } from '../../calls/call-view.js';
import { hasScope } from '../../keys/api-keys.js';
import { AppError } from '../../shared/errors.js';
import { headerValue } from '../../webhooks/custom-headers.js';
import { compatMetadata, invalidField, parseRequest, registerDialect, tokenOrBearer, unmappedFields, type ErrorShaper } from './dialect.js';
import { findAgent, idempotencyKey, placeCall } from './core.js';
import { agentDetailsSchema, hamsaAgentView, inlineAgent } from './hamsa-agent.js';

export const hamsaPrefix = '/compat/hamsa';

// Sent as the Authorization header of the call's webhooks: what a header cannot carry is refused now, not lost at delivery.
const headerText = headerValue;
const callBody = z.looseObject({
  toNumber: z.string().min(1).max(32),
  fromNumber: z.string().min(1).max(32).nullish(),
  voiceAgentId: z.string().min(1).max(100).nullish(),
  params: z.record(z.string().min(1).max(64), z.union([z.string().max(5000), z.number(), z.boolean()])).nullish(),
  agentDetails: z.record(z.string(), z.unknown()).nullish(),
  webhookUrl: z.url({ protocol: /^https?$/ }).max(2048).nullish(),
  webhookAuth: z.looseObject({ authKey: headerText.nullish(), authSecret: headerText.nullish() }).nullish(),
});
const mappedFields = ['toNumber', 'fromNumber', 'voiceAgentId', 'params', 'agentDetails', 'webhookUrl', 'webhookAuth'];

/** Hamsa's `success` flag and `data` on the native error. */
export const hamsaError: ErrorShaper = (status, error) => ({ status, body: { success: false, message: error.message, data: null, error } });

/**
 * Hamsa's `mediaUrl` is only in the answer to the call request, before anything is recorded: for
 * a call that is to be recorded it is where the recording will be (`GET` it with the same key
 * once `call.recording_ready` says so; until then, or if the line could not be recorded, it
 * answers 404). Absolute, as a URL field should be: on PARLEY_PUBLIC_URL when set, else on the
 * host this request came to.
 */
function mediaUrlOf(services: ApiServices, call: CallRow, agent: AgentRow, request: FastifyRequest): string | null {
  const recorded = recordingSettingsOf(call, agent.settings).enabled;
  const url = recordingUrlOf(call) ?? (recorded ? (services.recordings.absoluteUrl(call.id) ?? recordingPath(call.id)) : null);
  return url?.startsWith('/') ? `${request.protocol}://${request.host}${url}` : url;
}

/** The call job as Hamsa's `data` shows it; costs and media Parley does not track are 0 or null. */
function callJob(services: ApiServices, call: CallRow, agent: AgentRow, keyId: string, auth: { authKey: string | undefined; hasSecret: boolean }, mediaUrl: string | null) {
  const view = services.agents.view(agent);
  const llm = view.llm as { model?: string } | undefined;
  return {
    id: call.id,
    title: agent.name,
    model: llm?.model ?? null,
    type: null,
    processingType: null,
    webhookUrl: call.webhookUrl,
    totalCost: 0,
    usageTime: null,
    fromLng: agent.language,
    toLng: agent.language,
    // The call's two-channel recording.
    mediaUrl,
    jobResponse: call.outcome ?? {},
    fromScript: null,
    toScript: null,
    status: call.status,
    relevantJobId: null,
    agentDetails: hamsaAgentView(view, { url: call.webhookUrl, ...auth }),
    apiKeyId: keyId,
    billingId: null,
    systemModelKey: null,
    voiceAgentId: agent.id,
    toNumber: call.toNumber,
    fromNumber: call.fromNumber,
    createdAt: call.createdAt.toISOString(),
    updatedAt: call.updatedAt.toISOString(),
  };
}

export async function hamsaRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  await registerDialect(app, hamsaPrefix, hamsaError, (scope) => {
    scope.post('/v1/voice-agents/call', { schema: { hide: true }, onRequest: authenticate(services.keys, 'calls:write', tokenOrBearer) }, async (request) => {
      const principal = principalOf(request);
      const { orgId } = principal;
      const body = parseRequest(callBody, request.body);
      // The docs' own example sends `"agentDetails": {}` beside voiceAgentId: an empty one is absent.
      const inline = body.agentDetails && Object.keys(body.agentDetails).length > 0 ? body.agentDetails : undefined;
      if (inline && body.voiceAgentId) throw invalidField('agentDetails', 'Send "voiceAgentId" or "agentDetails", not both');
      if (!inline && !body.voiceAgentId) throw invalidField('voiceAgentId', 'Either "voiceAgentId" or "agentDetails" is required');

      let agent: AgentRow;
      let details: z.infer<typeof agentDetailsSchema> | undefined;
      if (inline) {
        const parsed = agentDetailsSchema.safeParse(inline);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const field = ['agentDetails', ...issue.path.map(String)].join('.');
          throw invalidField(field, `"${field}" ${issue.message}`);
        }
        details = parsed.data;
        agent = await inlineAgent(services, orgId, details, hasScope(principal, 'agents:write'));
      } else {
        const found = await findAgent(services, orgId, body.voiceAgentId!);
        if (!found) throw new AppError('AGENT_NOT_FOUND', `No voice agent "${body.voiceAgentId}"`, { details: { field: 'voiceAgentId' } });
        agent = found;
      }

      const webhookUrl = body.webhookUrl ?? details?.webhookUrl;
      const webhookAuth = body.webhookAuth ?? details?.webhookAuth;
      const authKey = webhookAuth?.authKey ?? undefined;
      const authSecret = webhookAuth?.authSecret ?? undefined;
      const authorization = [authKey, authSecret].filter(Boolean).join(' ');
      if (authorization && !webhookUrl) throw invalidField('webhookUrl', '"webhookAuth" needs a "webhookUrl" to send it to');

      const placed = await placeCall(
        services,
        orgId,
        {
          agent_id: agent.id,
          to: body.toNumber,
          from: body.fromNumber ?? null,
          variables: body.params ?? {},
          metadata: compatMetadata('hamsa', unmappedFields(body, mappedFields)),
          webhook_url: webhookUrl ?? null,
          ...(authorization ? { webhook_headers: { Authorization: authorization } } : {}),
        },
        { to: 'toNumber', from: 'fromNumber', variables: 'params', webhook_url: 'webhookUrl' },
        idempotencyKey(request),
      );
      return {
        success: true,
        message: 'success',
        data: callJob(services, placed.call, agent, principal.keyId, { authKey, hasSecret: Boolean(authSecret) }, mediaUrlOf(services, placed.call, agent, request)),
      };
    });
  });
}
