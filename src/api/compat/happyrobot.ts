/**
 * HappyRobot under /compat/happyrobot: POST /api/v1/dial/outbound (`authorization: Bearer <key>`).
 * The agent by `use_case_id`, `agent_id` or `assistant_id`; `params` are the variables, request
 * `metadata` the call's metadata (shown back as `metadata.custom`); `number_id` a Parley
 * phone-number id or number; `scheduled_for`; `max_duration_mins`; `language` must be the agent's.
 * Answers 200 with the documented call object, its `use_case` drawn from the Parley agent.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import type { AgentRow } from '../../agents/agent-service.js';
import { recordingUrlOf } from '../../calls/call-view.js';
import { recordingSettingsOf } from '../../calls/call-recordings.js';
import type { CallRow } from '../../calls/call-view.js';
import { parseOutcomeSettings } from '../../brain/outcome/index.js';
import { agentLlmSettings } from '../../llm/registry.js';
import { AppError } from '../../shared/errors.js';
import { toE164 } from '../../shared/phone.js';
import { bearerOrBare, compatMetadata, invalidField, parseRequest, registerDialect, unmappedFields, type ErrorShaper } from './dialect.js';
import { findAgent, idempotencyKey, placeCall } from './core.js';

export const happyRobotPrefix = '/compat/happyrobot';

const id = z.string().min(1).max(200).nullish();
const dialBody = z.looseObject({
  phone_number: z.string().min(1).max(32),
  use_case_id: id,
  agent_id: id,
  assistant_id: id,
  number_id: id,
  params: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  scheduled_for: z.iso.datetime({ offset: true }).nullish(),
  max_duration_mins: z.number().positive().nullish(),
  language: z.string().min(2).max(35).nullish(),
  campaign_id: id,
});
const mappedFields = ['phone_number', 'use_case_id', 'agent_id', 'assistant_id', 'number_id', 'params', 'metadata', 'scheduled_for', 'max_duration_mins', 'language'];
const agentFields = ['use_case_id', 'agent_id', 'assistant_id'] as const;
const variables = z.record(z.string().min(1).max(64), z.union([z.string().max(5000), z.number(), z.boolean()]));

/** HappyRobot documents no error body: the native one, with the native statuses. */
export const happyRobotError: ErrorShaper = (status, error) => ({ status, body: { error } });

/** The one agent all given id fields name. */
async function useCase(services: ApiServices, orgId: string, body: z.infer<typeof dialBody>): Promise<AgentRow> {
  let agent: AgentRow | undefined;
  for (const field of agentFields) {
    const ref = body[field];
    if (!ref) continue;
    const found = await findAgent(services, orgId, ref);
    if (!found) throw new AppError('AGENT_NOT_FOUND', `No agent "${ref}"`, { details: { field } });
    if (agent && agent.id !== found.id) throw invalidField(field, `"${field}" names a different agent than the other agent id fields`);
    agent = found;
  }
  if (!agent) throw invalidField('use_case_id', 'One of "use_case_id", "agent_id" or "assistant_id" is required');
  return agent;
}

/** `params` holds the prompt variables: an object of strings, numbers and booleans. */
function paramsOf(params: unknown): Record<string, string | number | boolean> {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) throw invalidField('params', '"params" must be an object of variables (strings, numbers, booleans)');
  const parsed = variables.safeParse(params);
  if (parsed.success) return parsed.data;
  const field = ['params', ...(parsed.error.issues[0]?.path.map(String) ?? [])].join('.');
  throw invalidField(field, `"${field}" must be a string, number or boolean`);
}

/** The agent speaks its own language; a request for another is refused, not ignored. */
function checkLanguage(language: string | null | undefined, agent: AgentRow): void {
  if (!language) return;
  const asked = language.toLowerCase();
  const has = agent.language.toLowerCase();
  if (asked === has || has.startsWith(`${asked}-`) || asked.startsWith(`${has}-`)) return;
  throw invalidField('language', `"language" is "${language}" but the agent speaks "${agent.language}": use an agent set to that language`, 'UNSUPPORTED_FIELD');
}

function maxDurationS(mins: number | null | undefined): number | undefined {
  if (mins === undefined || mins === null) return undefined;
  const seconds = Math.round(mins * 60);
  if (seconds < 10 || seconds > 14_400) throw invalidField('max_duration_mins', '"max_duration_mins" must be between 0.17 and 240');
  return seconds;
}

async function callerNumber(services: ApiServices, orgId: string, numberId: string | null | undefined): Promise<string | undefined> {
  if (!numberId) return undefined;
  if (numberId.startsWith('+')) return numberId;
  const owned = await services.numbers.get(orgId, numberId).catch((error: unknown) => {
    throw error instanceof AppError ? new AppError(error.code, `No phone number with id "${numberId}"`, { details: { field: 'number_id' }, cause: error }) : error;
  });
  return owned.number;
}

/** The agent configuration as HappyRobot shows a use case; what Parley has no notion of is empty. */
function useCaseView(services: ApiServices, agent: AgentRow, call: CallRow) {
  const view = services.agents.view(agent);
  const { settings } = agent;
  const outcome = parseOutcomeSettings(agent.settings.outcome ?? null);
  const schema = outcome.ok ? outcome.settings.schema : null;
  const properties = (schema?.properties ?? {}) as Record<string, { type?: unknown; description?: string; examples?: unknown[] }>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return {
    id: view.id,
    organization_id: agent.orgId,
    name: view.name,
    transfer_number: settings.transfer_numbers?.[0] ?? null,
    extract_with_ai: Object.entries(properties).map(([name, property]) => ({
      name,
      description: property.description ?? '',
      type: Array.isArray(property.type) ? String(property.type[0]) : String(property.type ?? 'string'),
      example: property.examples?.[0] === undefined ? '' : String(property.examples[0]),
      required: required.has(name),
    })),
    classification_tags: outcome.ok ? outcome.settings.tags.map((tag) => ({ name: tag.name, description: tag.description ?? '' })) : [],
    language: view.language,
    detailed_work_hours: {},
    work_start: null,
    work_end: null,
    timezone: settings.timezone ?? null,
    generic_after_hours_message: null,
    enable_detailed_work_hours: false,
    keywords: [],
    hooks: [],
    params: view.default_variables,
    amd: true,
    amd_behavior: settings.voicemail?.action === 'leave_message' ? 'LeaveMessage' : 'Hangup',
    amd_messages: settings.voicemail?.message ? { voicemail: settings.voicemail.message } : {},
    sample_labels: [],
    hidden: false,
    evaluation_models: [],
    max_duration_mins: call.maxDurationS / 60,
    recorded_message_inbound: false,
    // HappyRobot's "this call is recorded" message on outbound calls: Parley's recording disclosure.
    recorded_message_outbound: Boolean(settings.recording?.enabled && settings.recording.disclosure),
    show_original_caller_id: false,
    disable_end_call_after_n_reminders: false,
    model: agentLlmSettings.safeParse(settings.llm ?? {}).data?.model ?? null,
  };
}

/**
 * HappyRobot's `recording_sid` is only in the answer to the dial, before anything is recorded
 * (as a carrier's recording sid is known when recording starts): for a call that is to be
 * recorded it is the call's id, under which `GET /v1/calls/{id}/recording` serves the file
 * once the call's audio is over (`call.recording_ready`).
 */
function recordingSid(call: CallRow, agent: AgentRow): string | null {
  return recordingUrlOf(call) !== null || recordingSettingsOf(call, agent.settings).enabled ? call.id : null;
}

export async function happyRobotRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  await registerDialect(app, happyRobotPrefix, happyRobotError, (scope) => {
    scope.post('/api/v1/dial/outbound', { schema: { hide: true }, onRequest: authenticate(services.keys, 'calls:write', bearerOrBare) }, async (request) => {
      const { orgId } = principalOf(request);
      const body = parseRequest(dialBody, request.body);
      const agent = await useCase(services, orgId, body);
      checkLanguage(body.language, agent);
      const custom = body.metadata ?? {};
      const from = await callerNumber(services, orgId, body.number_id);
      // A campaign_id naming a Parley campaign (by id or name) files the call under it; any other
      // value is kept in the call's metadata like every field Parley does not map.
      const campaign = body.campaign_id ? await services.campaigns.find(orgId, body.campaign_id) : undefined;
      const fields = campaign ? [...mappedFields, 'campaign_id'] : mappedFields;
      const phone = toE164(body.phone_number);
      const place = (link?: { campaignId: string; contactId: string; attempt: number }) => placeCall(
        services,
        orgId,
        {
          ...(link ? { campaign: link } : {}),
          agent_id: agent.id,
          to: body.phone_number,
          ...(from ? { from } : {}),
          variables: paramsOf(body.params),
          metadata: { ...custom, ...(campaign ? { campaign_id: campaign.id } : {}), ...compatMetadata('happyrobot', unmappedFields(body, fields)) },
          // HappyRobot's own example schedules for a date long past: a time already gone means now.
          scheduled_for: body.scheduled_for && Date.parse(body.scheduled_for) > Date.now() ? body.scheduled_for : null,
          max_duration_s: maxDurationS(body.max_duration_mins) ?? null,
        },
        { to: 'phone_number', from: 'number_id', variables: 'params', scheduled_for: 'scheduled_for' },
        idempotencyKey(request),
      );
      const placed = campaign && phone ? await services.campaigns.fileCall(orgId, campaign, phone, place, idempotencyKey(request)) : await place();
      const { call } = placed;
      return {
        id: call.id,
        organization_id: orgId,
        status: call.status,
        metadata: { call_sid: call.providerCallId, from: call.fromNumber, to: call.toNumber, recording_sid: recordingSid(call, agent), tags: [], custom },
        use_case: useCaseView(services, agent, call),
        params: call.variables,
        scheduled_for: call.scheduledFor?.toISOString() ?? null,
        created: call.createdAt.toISOString(),
      };
    });
  });
}
