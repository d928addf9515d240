/**
 * Hamsa's agents both ways: an inline `agentDetails` becomes a real Parley agent through
 * AgentService (found again by a content hash in its metadata, so the same definition sent with
 * every call makes one agent), and a Parley agent is shown as Hamsa's `agentDetails`, secrets masked.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ApiServices } from '../services.js';
import type { AgentRow, AgentView } from '../../agents/agent-service.js';
import { agentInput, timerSettings } from '../../agents/agent-settings.js';
import { AppError } from '../../shared/errors.js';
import { headerValue } from '../../webhooks/custom-headers.js';
import { invalidField } from './dialect.js';

const present = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

const llmConfig = z.looseObject({
  provider: present(z.string().max(100)),
  modelName: present(z.string().max(200)),
  baseUrl: present(z.url({ protocol: /^https?$/ })),
  apiKey: present(z.string().max(500)),
  temperature: present(z.number()),
});

/** The inline agent fields Parley maps; every other field is kept in the agent's metadata. */
export const agentDetailsSchema = z.looseObject({
  agentName: present(z.string().trim().min(1).max(200)),
  greetingMessage: present(z.string().max(2000)),
  preamble: present(z.string().max(50_000)),
  lang: present(z.string()),
  voiceId: present(z.string().max(200)),
  outcome: present(z.string().max(5000)),
  outcomeResponseShape: present(z.record(z.string(), z.unknown())),
  llmConfig: present(llmConfig),
  userInactivityTimeout: present(z.number()),
  maxCallDuration: present(z.number()),
  responseDelay: present(z.number()),
  waitForUserToSpeakFirst: present(z.union([z.number(), z.boolean()])),
  params: present(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
  webhookUrl: present(z.url({ protocol: /^https?$/ }).max(2048)),
  webhookAuth: present(z.looseObject({ authKey: present(headerValue.max(200)), authSecret: present(headerValue.max(2000)) })),
});
export type AgentDetails = z.infer<typeof agentDetailsSchema>;

const mapped = [
  'agentName', 'greetingMessage', 'preamble', 'lang', 'voiceId', 'outcome', 'outcomeResponseShape', 'llmConfig',
  'userInactivityTimeout', 'maxCallDuration', 'responseDelay', 'waitForUserToSpeakFirst', 'params', 'webhookUrl', 'webhookAuth',
];
/** Hamsa resources Parley has none of: a definition that relies on them is refused, not half-run. */
const refusedWhenSet = ['webToolsIds', 'knowledgeBaseItemsIds', 'voiceDictionaryIds', 'webToolsOverrides'];

/** Native agent field -> the agentDetails field it came from, for error messages. */
const hamsaNames: Record<string, string> = {
  name: 'agentName', greeting: 'greetingMessage', prompt: 'preamble', language: 'lang', voice: 'voiceId', first_speaker: 'waitForUserToSpeakFirst',
  default_variables: 'params', outcome: 'outcomeResponseShape', 'llm.provider': 'llmConfig.provider', 'llm.model': 'llmConfig.modelName',
  'llm.base_url': 'llmConfig.baseUrl', 'llm.api_key': 'llmConfig.apiKey', 'llm.temperature': 'llmConfig.temperature',
  'timers.inactivity_timeout_s': 'userInactivityTimeout', 'timers.max_duration_s': 'maxCallDuration', 'timers.response_delay_ms': 'responseDelay',
};

function llmSettings(config: z.infer<typeof llmConfig> | undefined): Record<string, unknown> | undefined {
  if (!config) return undefined;
  const name = config.provider?.toLowerCase().replace(/[^a-z]/g, '');
  let provider: 'openai' | 'anthropic';
  if (!name || name === 'openai') provider = 'openai';
  else if (name === 'anthropic' || name === 'claude') provider = 'anthropic';
  else if (config.baseUrl) provider = 'openai'; // any other vendor behind an OpenAI-compatible base URL
  else throw invalidField('agentDetails.llmConfig.provider', `"agentDetails.llmConfig.provider" "${config.provider}" needs a "baseUrl" (an OpenAI-compatible endpoint); Parley speaks OpenAI and Anthropic`, 'UNSUPPORTED_FIELD');
  // Hamsa's model names are display names ("GPT-4.1"); OpenAI's own API wants them lower-case.
  const model = provider === 'openai' && !config.baseUrl ? config.modelName?.toLowerCase() : config.modelName;
  return { provider, model, base_url: config.baseUrl, api_key: config.apiKey, temperature: config.temperature };
}

function outcomeSettings(details: AgentDetails): Record<string, unknown> | undefined {
  if (details.outcomeResponseShape) return { schema: { ...details.outcomeResponseShape, ...(details.outcome ? { description: details.outcome } : {}) } };
  if (details.outcome) return { schema: { type: 'object', properties: { outcome: { type: 'string', description: details.outcome } }, required: [] } };
  return undefined;
}

/** Sorted-key JSON, so the same definition always hashes the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : item,
  );
}

/**
 * The Parley agent for an inline definition: the one made from the same content before, or a
 * new one (which needs `agents:write`). Fields with no Parley meaning are kept in its metadata.
 */
export async function inlineAgent(services: ApiServices, orgId: string, details: AgentDetails, canCreate: boolean): Promise<AgentRow> {
  for (const field of refusedWhenSet) {
    const value = details[field];
    const set = Array.isArray(value) ? value.length > 0 : value !== null && typeof value === 'object' && Object.keys(value).length > 0;
    if (set) throw invalidField(`agentDetails.${field}`, `"agentDetails.${field}" names Hamsa resources Parley does not have; define tools on the Parley agent instead`, 'UNSUPPORTED_FIELD');
  }
  const kept = Object.fromEntries(Object.entries(details).filter(([name]) => !mapped.includes(name) && !refusedWhenSet.includes(name)));
  const timers = { inactivity_timeout_s: details.userInactivityTimeout, max_duration_s: details.maxCallDuration, response_delay_ms: details.responseDelay };
  const raw = {
    name: details.agentName ?? 'Hamsa agent',
    prompt: details.preamble ?? '',
    greeting: details.greetingMessage,
    language: details.lang,
    voice: details.voiceId,
    first_speaker: details.waitForUserToSpeakFirst ? 'contact' : 'agent',
    default_variables: details.params ? Object.fromEntries(Object.entries(details.params).map(([k, v]) => [k, String(v)])) : undefined,
    llm: llmSettings(details.llmConfig),
    outcome: outcomeSettings(details),
    timers: Object.values(timers).some((value) => value !== undefined) ? timers : undefined,
  };
  const hash = createHash('sha256').update(canonical({ raw, kept })).digest('hex');
  const marker = { compat: { vendor: 'hamsa', content_hash: hash } };
  const existing = await services.agents.findByMetadata(orgId, marker);
  if (existing) return existing;
  if (!canCreate) throw new AppError('FORBIDDEN_SCOPE', 'An inline "agentDetails" creates an agent: this needs the "agents:write" scope', { details: { scope: 'agents:write' } });

  const parsed = agentInput.safeParse({ ...raw, metadata: { compat: { ...marker.compat, ...(Object.keys(kept).length > 0 ? { fields: kept } : {}) } } });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String).join('.');
    const field = `agentDetails.${hamsaNames[path] ?? path}`;
    throw invalidField(field, `"${field}" ${issue.message}`);
  }
  try {
    // Two identical inline agents arriving at once still make one agent.
    return await services.agents.findOrCreate(orgId, marker, parsed.data);
  } catch (error) {
    if (error instanceof AppError) throw new AppError(error.code, `agentDetails: ${error.message}`, { details: error.details, cause: error });
    throw error;
  }
}

/** A Parley agent as Hamsa's `agentDetails`; keys are masked, what Parley has no notion of is null. */
export function hamsaAgentView(view: AgentView, webhook: { url: string | null; authKey: string | undefined; hasSecret: boolean }) {
  const timers = timerSettings.safeParse(view.timers ?? {}).data ?? {};
  const llm = view.llm as { provider?: string; model?: string; base_url?: string; api_key?: string; temperature?: number } | undefined;
  const outcome = view.outcome as { schema?: Record<string, unknown> } | undefined;
  const kept = ((view.metadata.compat as { fields?: Record<string, unknown> } | undefined)?.fields ?? {}) as Record<string, unknown>;
  return {
    id: view.id,
    agentName: view.name,
    greetingMessage: view.greeting,
    greetingMessageType: 'STATIC',
    description: typeof kept.description === 'string' ? kept.description : null,
    preamble: view.prompt,
    lang: view.language,
    pokeMessages: [],
    realTime: null,
    silenceThreshold: timers.silence_reprompt_s ?? null,
    interrupt: null,
    type: view.kind,
    outcome: typeof outcome?.schema?.description === 'string' ? outcome.schema.description : null,
    outcomeResponseShape: outcome?.schema ?? null,
    projectId: null,
    apiKeyId: null,
    voiceId: view.voice,
    voiceRecordId: null,
    voiceRecord: null,
    collectionId: null,
    isTemplate: false,
    icon: null,
    webhookUrl: webhook.url,
    webhookAuth: webhook.authKey !== undefined || webhook.hasSecret ? { authKey: webhook.authKey ?? '', authSecret: webhook.hasSecret ? '••••' : '' } : null,
    params: view.default_variables,
    alignment: null,
    tools: null,
    webToolsIds: [],
    voiceDictionaryIds: [],
    knowledgeBaseItemsIds: [],
    webToolsOverrides: {},
    userInactivityTimeout: timers.inactivity_timeout_s ?? null,
    maxCallDuration: timers.max_duration_s ?? null,
    responseDelay: timers.response_delay_ms ?? null,
    backgroundNoise: null,
    waitForUserToSpeakFirst: view.first_speaker === 'contact' ? 1 : 0,
    thinkingVoice: null,
    speakerIdentification: null,
    llmConfig: llm ? { provider: llm.provider ?? null, modelName: llm.model ?? null, baseUrl: llm.base_url ?? null, apiKey: llm.api_key ?? null, temperature: llm.temperature ?? null } : null,
    noiseCancellation: null,
    cancelNoisePer: null,
    agenticRag: null,
    languageDialectSwitcher: null,
    minInterruptionDuration: null,
    vadActivationThreshold: null,
    enableAutoGainControl: null,
    sendDenoisedToStt: null,
    createdAt: view.created_at,
    updatedAt: view.updated_at,
  };
}
