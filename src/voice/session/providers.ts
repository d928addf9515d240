/**
 * Which STT and TTS providers a call uses. Server-wide keys (DEEPGRAM_API_KEY, ELEVENLABS_API_KEY,
 * CARTESIA_API_KEY) make the vendors available; an agent picks one with `stt.provider` /
 * `tts.provider`, and the other configured vendors stand behind it as fallbacks. With no vendor
 * key at all the scripted (offline) providers are the defaults, so the whole pipeline runs with
 * no accounts. An agent naming a vendor with no key gets the default chain (and the call says so
 * in its events). The scripted TTS is also the offline voice that apologises when every
 * configured TTS has failed: the apology itself is recorded speech (phrase-recordings.ts).
 */
import type { ScriptedSttOptions } from '../stt/scripted/index.js';
import { createSttChain, sttProviderIds, type SttProviderId, type SttProvidersConfig } from '../stt/registry.js';
import type { SttProvider } from '../stt/types.js';
import type { ScriptedTtsOptions } from '../tts/scripted/index.js';
import { createScriptedTts } from '../tts/scripted/index.js';
import { createTtsChain, ttsProviderIds, type TtsProviderId, type TtsProvidersConfig } from '../tts/registry.js';
import type { TtsProvider } from '../tts/types.js';
import { loadPhraseRecordings } from './phrase-recordings.js';
import type { SttSettings, TtsSettings } from './settings.js';

/** The server's speech credentials (from the config module). */
export interface SpeechKeys {
  readonly deepgramApiKey?: string | undefined;
  readonly deepgramBaseUrl?: string | undefined;
  readonly elevenlabsApiKey?: string | undefined;
  readonly elevenlabsBaseUrl?: string | undefined;
  readonly cartesiaApiKey?: string | undefined;
  readonly cartesiaBaseUrl?: string | undefined;
}

/** A provider chosen for a call, and how it was chosen. */
export interface ChosenProvider<P, Id> {
  readonly provider: P;
  /** In order of preference; more than one means a fallback chain. */
  readonly ids: readonly Id[];
  /** The agent asked for a provider this server has no key for. */
  readonly unavailable?: Id;
}

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export class SpeechProviders {
  /** Vendors with a key, in registry order. */
  readonly sttVendors: readonly SttProviderId[];
  readonly ttsVendors: readonly TtsProviderId[];
  /** Speaks when every configured TTS failed: needs no account and cannot fail. */
  readonly offlineTts: TtsProvider;
  private readonly sttConfig: SttProvidersConfig;
  private readonly ttsConfig: TtsProvidersConfig;
  private readonly sttChains = new Map<string, SttProvider>();
  private readonly ttsChains = new Map<string, TtsProvider>();

  constructor(keys: SpeechKeys, scripted: { readonly stt?: ScriptedSttOptions; readonly tts?: ScriptedTtsOptions } = {}) {
    this.sttConfig = {
      ...(keys.deepgramApiKey ? { deepgram: defined({ apiKey: keys.deepgramApiKey, baseUrl: keys.deepgramBaseUrl }) } : {}),
      scripted: scripted.stt ?? {},
    };
    this.ttsConfig = {
      ...(keys.elevenlabsApiKey ? { elevenlabs: defined({ apiKey: keys.elevenlabsApiKey, baseUrl: keys.elevenlabsBaseUrl }) } : {}),
      ...(keys.cartesiaApiKey ? { cartesia: defined({ apiKey: keys.cartesiaApiKey, baseUrl: keys.cartesiaBaseUrl }) } : {}),
      scripted: scripted.tts ?? {},
    };
    this.sttVendors = sttProviderIds.filter((id) => id !== 'scripted' && this.sttConfig[id] !== undefined);
    this.ttsVendors = ttsProviderIds.filter((id) => id !== 'scripted' && this.ttsConfig[id] !== undefined);
    this.offlineTts = createScriptedTts({ ...scripted.tts, id: 'offline', recordings: loadPhraseRecordings() });
  }

  /** The STT for an agent's settings. */
  stt(settings: SttSettings): ChosenProvider<SttProvider, SttProviderId> {
    const { ids, unavailable } = chain(settings.provider, this.sttVendors);
    const key = ids.join(',');
    let provider = this.sttChains.get(key);
    if (!provider) {
      provider = createSttChain(ids, this.sttConfig);
      this.sttChains.set(key, provider);
    }
    return { provider, ids, ...(unavailable ? { unavailable } : {}) };
  }

  /** The TTS for an agent's settings. */
  tts(settings: TtsSettings): ChosenProvider<TtsProvider, TtsProviderId> {
    const { ids, unavailable } = chain(settings.provider, this.ttsVendors);
    const key = ids.join(',');
    let provider = this.ttsChains.get(key);
    if (!provider) {
      provider = createTtsChain(ids, this.ttsConfig);
      this.ttsChains.set(key, provider);
    }
    return { provider, ids, ...(unavailable ? { unavailable } : {}) };
  }
}

/**
 * What a call on a real phone line lacks: the scripted providers carry text in-band, which no
 * person can understand and no caller's speech contains, so a person's call needs a vendor for
 * both directions. Empty when the settings get one each.
 */
export function missingForPhoneCalls(providers: SpeechProviders, settings: { readonly stt: SttSettings; readonly tts: TtsSettings }): string[] {
  const missing: string[] = [];
  // The chains' ids only: building the providers is the call's business, not its creation's.
  const scriptedOnly = (ids: readonly string[]) => ids.every((id) => id === 'scripted');
  if (scriptedOnly(chain(settings.stt.provider, providers.sttVendors).ids)) missing.push('speech recognition (DEEPGRAM_API_KEY)');
  if (scriptedOnly(chain(settings.tts.provider, providers.ttsVendors).ids)) missing.push('speech synthesis (ELEVENLABS_API_KEY or CARTESIA_API_KEY)');
  return missing;
}

/** The chosen vendor first, the other configured vendors after it; scripted when nothing else is there. */
function chain<Id extends string>(chosen: Id | undefined, vendors: readonly Id[]): { ids: Id[]; unavailable?: Id } {
  const scripted = 'scripted' as Id;
  if (chosen === scripted) return { ids: [scripted] };
  const fallback = vendors.length > 0 ? [...vendors] : [scripted];
  if (chosen === undefined) return { ids: fallback };
  if (!vendors.includes(chosen)) return { ids: fallback, unavailable: chosen };
  return { ids: [chosen, ...vendors.filter((id) => id !== chosen)] };
}
