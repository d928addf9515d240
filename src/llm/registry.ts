/** The LLM providers by name, and which provider, model and key an agent gets. */
import { z } from 'zod';
import { createAnthropicLlm } from './anthropic/index.js';
import { createOpenAiLlm, OPENAI_BASE_URL } from './openai/index.js';
import { FallbackLlm, linkId, type LlmChains, type LlmLink } from './fallback.js';
import type { LlmProvider } from './types.js';

/** The connection every provider factory takes. */
export interface LlmConnection {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly model: string;
}

/** Explicit map of provider factories; importing a provider registers nothing. */
export const llmProviders = {
  openai: (connection: LlmConnection): LlmProvider => createOpenAiLlm(connection),
  anthropic: (connection: LlmConnection): LlmProvider => createAnthropicLlm(connection),
} as const;

/** A provider the registry knows. */
export type LlmProviderName = keyof typeof llmProviders;
/** The registry's provider names, for schemas and docs. */
export const llmProviderNames = Object.keys(llmProviders) as LlmProviderName[];

const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
const vendorDefaults: Record<LlmProviderName, { readonly baseUrl: string; readonly model: string }> = {
  openai: { baseUrl: OPENAI_BASE_URL, model: 'gpt-4o-mini' },
  anthropic: { baseUrl: ANTHROPIC_BASE_URL, model: 'claude-haiku-4-5' },
};

/**
 * A local server (Ollama, llama.cpp, LM Studio) takes no key, but the SDKs refuse to send a
 * request without one.
 */
export const PLACEHOLDER_API_KEY = 'not-needed';

/** Which model an agent talks to: a provider, its model, endpoint and key, each defaulted by the server. */
const llmEndpoint = z.object({
  provider: z.enum(llmProviderNames as [LlmProviderName, ...LlmProviderName[]]).optional(),
  model: z.string().trim().min(1).max(200).optional(),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  api_key: z.string().min(1).max(500).optional(),
});

/** An agent's `llm` settings, in API spelling. */
export const agentLlmSettings = llmEndpoint.extend({
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(32_000).optional(),
  /**
   * Models tried in order when the agent's own fails before answering (an outage, a refused
   * connection, no first token in time); each is resolved like the agent's own.
   */
  fallback: z.array(llmEndpoint).max(3).optional(),
});
/** An agent's `llm` settings after parsing. */
export type AgentLlmSettings = z.infer<typeof agentLlmSettings>;

/** Server-wide defaults (the server maps OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, PARLEY_LLM_MODEL here). */
export interface LlmServerDefaults {
  readonly openaiApiKey?: string | undefined;
  readonly openaiBaseUrl?: string | undefined;
  readonly anthropicApiKey?: string | undefined;
  readonly anthropicBaseUrl?: string | undefined;
  readonly defaultModel?: string | undefined;
}

/** Either a ready provider and model, or what to set for one (the API answers 422 with `message`). */
export type LlmResolution =
  | { readonly ok: true; readonly providerName: LlmProviderName; readonly provider: LlmProvider; readonly model: string }
  | { readonly ok: false; readonly providerName: LlmProviderName; readonly message: string; readonly missing: readonly string[] };

const isClaude = (model: string | undefined): boolean => model?.toLowerCase().startsWith('claude') ?? false;

function pickProvider(agent: z.infer<typeof llmEndpoint>, defaults: LlmServerDefaults): LlmProviderName {
  if (agent.provider) return agent.provider;
  if (agent.model) return isClaude(agent.model) ? 'anthropic' : 'openai';
  if (agent.base_url) return 'openai';
  if (isClaude(defaults.defaultModel)) return 'anthropic';
  const openAiReady = Boolean(defaults.openaiApiKey || defaults.openaiBaseUrl);
  return !openAiReady && defaults.anthropicApiKey ? 'anthropic' : 'openai';
}

/**
 * Picks provider, model, base URL and key for an agent: the agent's own settings first, then the
 * server's. The server's key only goes to the server's endpoint, never to a base URL an agent
 * names (an agent author could otherwise collect it). A custom base URL with no key counts as a
 * keyless local server. PARLEY_LLM_MODEL applies to the provider it names (claude-* to Anthropic).
 */
export function resolveLlm(agent: AgentLlmSettings | undefined, defaults: LlmServerDefaults, chains?: LlmChains): LlmResolution {
  const primary = resolveEndpoint(agent ?? {}, defaults);
  if (!primary.ok || !agent?.fallback?.length) return primary.ok ? ready(primary) : primary;
  const links: LlmLink[] = [link(primary)];
  for (const [index, endpoint] of agent.fallback.entries()) {
    const resolved = resolveEndpoint(endpoint, defaults, `llm.fallback[${index}]`);
    if (!resolved.ok) return resolved;
    links.push(link(resolved));
  }
  const provider = chains ? chains.chain(links) : new FallbackLlm(links);
  return { ok: true, providerName: primary.providerName, model: primary.model, provider };
}

/** One endpoint resolved: what a provider client is built from. */
type ResolvedEndpoint =
  | { readonly ok: true; readonly providerName: LlmProviderName; readonly connection: LlmConnection; readonly model: string }
  | Extract<LlmResolution, { ok: false }>;

function ready(endpoint: Extract<ResolvedEndpoint, { ok: true }>): LlmResolution {
  return { ok: true, providerName: endpoint.providerName, model: endpoint.model, provider: llmProviders[endpoint.providerName](endpoint.connection) };
}

function link(endpoint: Extract<ResolvedEndpoint, { ok: true }>): LlmLink {
  const { providerName, connection, model } = endpoint;
  return { id: linkId(providerName, connection.baseUrl, model, connection.apiKey), provider: llmProviders[providerName](connection), model };
}

function resolveEndpoint(settings: z.infer<typeof llmEndpoint>, defaults: LlmServerDefaults, field = 'llm'): ResolvedEndpoint {
  const providerName = pickProvider(settings, defaults);
  const vendor = vendorDefaults[providerName];
  const serverBaseUrl = (providerName === 'openai' ? defaults.openaiBaseUrl : defaults.anthropicBaseUrl) || undefined;
  const serverKey = (providerName === 'openai' ? defaults.openaiApiKey : defaults.anthropicApiKey) || undefined;
  const keyVariable = providerName === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY';

  const trim = (url: string): string => url.replace(/\/+$/, '');
  const serverEndpoint = trim(serverBaseUrl ?? vendor.baseUrl);
  const baseUrl = settings.base_url ?? serverBaseUrl ?? vendor.baseUrl;
  const agentOwnsEndpoint = settings.base_url !== undefined && trim(settings.base_url) !== serverEndpoint;
  const isVendorEndpoint = trim(baseUrl) === vendor.baseUrl;
  const apiKey = settings.api_key ?? (agentOwnsEndpoint ? undefined : serverKey) ?? (isVendorEndpoint ? undefined : PLACEHOLDER_API_KEY);

  const serverModel = defaults.defaultModel && isClaude(defaults.defaultModel) === (providerName === 'anthropic') ? defaults.defaultModel : undefined;
  // Another base URL for Anthropic is a gateway to the same models; for OpenAI it is usually a
  // compatible server (Ollama, vLLM) whose models are its own, so no default is guessed there.
  const guessModel = isVendorEndpoint || providerName === 'anthropic';
  const model = settings.model ?? serverModel ?? (guessModel ? vendor.model : undefined);

  const missing: string[] = [];
  if (!apiKey) missing.push(`${keyVariable} (server) or ${field}.api_key (agent)`);
  if (!model) missing.push(`PARLEY_LLM_MODEL (server) or ${field}.model (agent)`);
  if (!apiKey || !model) {
    return {
      ok: false,
      providerName,
      missing,
      message: `No ${providerName} model is configured for this agent${field === 'llm' ? '' : ` (${field})`}: set ${missing.join(' and ')}.`,
    };
  }
  return { ok: true, providerName, model, connection: { apiKey, baseUrl, model } };
}
