/** The LLM providers by name, and which provider, model and key an agent gets. */
import { z } from 'zod';
import { createAnthropicLlm } from './anthropic/index.js';
import { createOpenAiLlm, OPENAI_BASE_URL } from './openai/index.js';
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

/** An agent's `llm` settings, in API spelling. */
export const agentLlmSettings = z.object({
  provider: z.enum(llmProviderNames as [LlmProviderName, ...LlmProviderName[]]).optional(),
  model: z.string().trim().min(1).max(200).optional(),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  api_key: z.string().min(1).max(500).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(32_000).optional(),
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

function pickProvider(agent: AgentLlmSettings, defaults: LlmServerDefaults): LlmProviderName {
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
export function resolveLlm(agent: AgentLlmSettings | undefined, defaults: LlmServerDefaults): LlmResolution {
  const settings = agent ?? {};
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
  if (!apiKey) missing.push(`${keyVariable} (server) or llm.api_key (agent)`);
  if (!model) missing.push('PARLEY_LLM_MODEL (server) or llm.model (agent)');
  if (!apiKey || !model) {
    return {
      ok: false,
      providerName,
      missing,
      message: `No ${providerName} model is configured for this agent: set ${missing.join(' and ')}.`,
    };
  }
  return { ok: true, providerName, model, provider: llmProviders[providerName]({ apiKey, baseUrl, model }) };
}
