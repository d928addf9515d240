/**
 * The TTS providers the server can be configured with, as an explicit map from id to
 * factory (importing a provider registers nothing). API keys arrive in the config object
 * from the server's config module; providers never read the environment.
 */
import { ProviderError } from '../../shared/errors.js';
import { createCartesiaTts, type CartesiaTtsOptionsInput } from './cartesia/index.js';
import { createElevenLabsTts, type ElevenLabsTtsOptionsInput } from './elevenlabs/index.js';
import { createEspeakTts, type EspeakTtsOptions } from './espeak/index.js';
import { fallbackTts, type TtsFallbackOptions } from './fallback.js';
import { createScriptedTts, type ScriptedTtsOptions } from './scripted/index.js';
import type { TtsProvider } from './types.js';

/** Every TTS provider id the server accepts in its configuration. */
export const ttsProviderIds = ['elevenlabs', 'cartesia', 'espeak', 'scripted'] as const;
/** A configurable TTS provider. */
export type TtsProviderId = (typeof ttsProviderIds)[number];

/** Per-provider settings; only the providers in use need theirs. */
export interface TtsProvidersConfig {
  /** From ELEVENLABS_API_KEY (and optional voice, model, base URL). */
  readonly elevenlabs?: Partial<ElevenLabsTtsOptionsInput>;
  /** From CARTESIA_API_KEY (and optional voice, model, version, base URL). */
  readonly cartesia?: Partial<CartesiaTtsOptionsInput>;
  /** Offline espeak-ng; needs the binary, no key. */
  readonly espeak?: EspeakTtsOptions;
  readonly scripted?: ScriptedTtsOptions;
}

function missingKey(id: string, variable: string): ProviderError {
  return new ProviderError(id, 'auth', `The ${id} TTS provider needs an API key (${variable})`, { retryable: false });
}

/** Id -> factory. */
export const ttsFactories: { readonly [Id in TtsProviderId]: (config: TtsProvidersConfig) => TtsProvider } = {
  elevenlabs(config) {
    const options = config.elevenlabs;
    if (!options?.apiKey) throw missingKey('elevenlabs', 'ELEVENLABS_API_KEY');
    return createElevenLabsTts({ ...options, apiKey: options.apiKey });
  },
  cartesia(config) {
    const options = config.cartesia;
    if (!options?.apiKey) throw missingKey('cartesia', 'CARTESIA_API_KEY');
    return createCartesiaTts({ ...options, apiKey: options.apiKey });
  },
  espeak: (config) => createEspeakTts(config.espeak),
  scripted: (config) => createScriptedTts(config.scripted),
};

/** True when `value` names a registered TTS provider. */
export function isTtsProviderId(value: string): value is TtsProviderId {
  return (ttsProviderIds as readonly string[]).includes(value);
}

/** Creates one provider by id. */
export function createTtsProvider(id: TtsProviderId, config: TtsProvidersConfig): TtsProvider {
  return ttsFactories[id](config);
}

/** Creates providers in order of preference; more than one are wrapped in `fallbackTts`. */
export function createTtsChain(
  ids: readonly TtsProviderId[],
  config: TtsProvidersConfig,
  fallbackOptions?: TtsFallbackOptions,
): TtsProvider {
  if (ids.length === 0) throw new RangeError('At least one TTS provider is needed');
  const providers = ids.map((id) => createTtsProvider(id, config));
  return providers.length === 1 ? providers[0]! : fallbackTts(providers, fallbackOptions);
}
