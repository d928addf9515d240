/**
 * The STT providers the server can be configured with, as an explicit map from id to
 * factory (importing a provider registers nothing). API keys arrive in the config object
 * from the server's config module; providers never read the environment.
 */
import { ProviderError } from '../../shared/errors.js';
import { createDeepgramStt, type DeepgramSttOptionsInput } from './deepgram/index.js';
import { fallbackStt, type SttFallbackOptions } from './fallback.js';
import { createScriptedStt, type ScriptedSttOptions } from './scripted/index.js';
import type { SttProvider } from './types.js';

/** Every STT provider id the server accepts in its configuration. */
export const sttProviderIds = ['deepgram', 'scripted'] as const;
/** A configurable STT provider. */
export type SttProviderId = (typeof sttProviderIds)[number];

/** Per-provider settings; only the providers in use need theirs. */
export interface SttProvidersConfig {
  /** From DEEPGRAM_API_KEY (and optional base URL, model). */
  readonly deepgram?: Partial<DeepgramSttOptionsInput>;
  readonly scripted?: ScriptedSttOptions;
}

/** Id -> factory. */
export const sttFactories: { readonly [Id in SttProviderId]: (config: SttProvidersConfig) => SttProvider } = {
  deepgram(config) {
    const options = config.deepgram;
    if (!options?.apiKey) {
      throw new ProviderError('deepgram', 'auth', 'The deepgram STT provider needs an API key (DEEPGRAM_API_KEY)', { retryable: false });
    }
    return createDeepgramStt({ ...options, apiKey: options.apiKey });
  },
  scripted: (config) => createScriptedStt(config.scripted),
};

/** True when `value` names a registered STT provider. */
export function isSttProviderId(value: string): value is SttProviderId {
  return (sttProviderIds as readonly string[]).includes(value);
}

/** Creates one provider by id. */
export function createSttProvider(id: SttProviderId, config: SttProvidersConfig): SttProvider {
  return sttFactories[id](config);
}

/** Creates providers in order of preference; more than one are wrapped in `fallbackStt`. */
export function createSttChain(
  ids: readonly SttProviderId[],
  config: SttProvidersConfig,
  fallbackOptions?: SttFallbackOptions,
): SttProvider {
  if (ids.length === 0) throw new RangeError('At least one STT provider is needed');
  const providers = ids.map((id) => createSttProvider(id, config));
  return providers.length === 1 ? providers[0]! : fallbackStt(providers, fallbackOptions);
}
