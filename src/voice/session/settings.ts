/**
 * Per-agent voice settings (agent keys `interruption`, `stt`, `tts` and the `voice` column),
 * validated when the agent is saved and resolved with defaults when a call starts.
 */
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { sttProviderIds } from '../stt/registry.js';
import { ttsProviderIds } from '../tts/registry.js';
import type { TtsStreamOptions } from '../tts/types.js';

/** Barge-in: whether the callee can cut the agent off, and how much speech it takes. */
export const interruptionSettings = z.strictObject({
  enabled: z.boolean().default(true),
  /** Speech over the agent shorter than this never interrupts (a cough, "mm"). */
  min_duration_ms: z.number().int().min(0).max(5000).default(500),
  /** Energy VAD threshold in dBFS; phone line noise sits near -60, speech near -20. */
  vad_threshold: z.number().min(-90).max(0).default(-40),
  /** More words that count as backchannels ("uh-huh") besides the built-in ones. */
  backchannels: z.array(z.string().trim().min(1).max(40)).max(50).default([]),
});

export const sttSettings = z.strictObject({
  provider: z.enum(sttProviderIds).optional(),
  model: z.string().min(1).max(100).optional(),
  /** BCP-47; the agent's language when absent. */
  language: z.string().min(2).max(35).optional(),
  /** Silence after speech that ends the callee's turn. */
  endpointing_ms: z.number().int().min(10).max(5000).optional(),
});

export const ttsSettings = z.strictObject({
  provider: z.enum(ttsProviderIds).optional(),
  /** Provider voice id; the agent's `voice` when absent. */
  voice: z.string().min(1).max(200).optional(),
  model: z.string().min(1).max(100).optional(),
});

export type InterruptionSettings = z.output<typeof interruptionSettings>;
export type SttSettings = z.output<typeof sttSettings>;
export type TtsSettings = z.output<typeof ttsSettings>;

/** Everything a voice session needs to know of its agent, defaults applied. */
export interface VoiceSettings {
  readonly interruption: InterruptionSettings;
  readonly stt: SttSettings;
  readonly tts: TtsSettings;
  readonly language: string;
}

const schemas = { interruption: interruptionSettings, stt: sttSettings, tts: ttsSettings } as const;

interface Problem {
  readonly field: string;
  readonly message: string;
}

function problemsOf(settings: Readonly<Record<string, unknown>>): Problem[] {
  const problems: Problem[] = [];
  for (const [key, schema] of Object.entries(schemas)) {
    const value = settings[key];
    if (value === undefined || value === null) continue;
    const parsed = schema.safeParse(value);
    if (parsed.success) continue;
    for (const issue of parsed.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = [key, ...issue.path.map(String)];
      if (keys.length === 0) problems.push({ field: path.join('.'), message: issue.message });
      for (const unknown of keys) problems.push({ field: [...path, unknown].join('.'), message: 'unknown setting' });
    }
  }
  return problems;
}

/**
 * Checks an agent's voice settings on save: throws AGENT_INVALID (422) naming each bad field,
 * e.g. `interruption.min_duration_ms`. Returns the settings unchanged (defaults apply per call).
 */
export function checkVoiceSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const problems = problemsOf(settings);
  if (problems.length > 0) {
    throw new AppError('AGENT_INVALID', `The voice settings are not valid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
      details: { problems },
    });
  }
  return settings;
}

/** The agent's voice settings with defaults; a stored value that no longer parses falls back to the defaults. */
export function resolveVoiceSettings(agent: { readonly settings: Readonly<Record<string, unknown>>; readonly voice?: string | null; readonly language: string }): VoiceSettings {
  const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
    const parsed = schema.safeParse(value ?? {});
    return parsed.success ? parsed.data : schema.parse({});
  };
  const tts = parse(ttsSettings, agent.settings.tts);
  return {
    interruption: parse(interruptionSettings, agent.settings.interruption),
    stt: parse(sttSettings, agent.settings.stt),
    tts: { ...tts, ...(tts.voice === undefined && agent.voice ? { voice: agent.voice } : {}) },
    language: agent.language,
  };
}

/** What a TTS stream is opened with for these settings: the voice, the model and the language. */
export function ttsStreamOptions(settings: Pick<VoiceSettings, 'tts' | 'language'>): TtsStreamOptions {
  const { tts, language } = settings;
  return { ...(tts.voice ? { voice: tts.voice } : {}), ...(tts.model ? { model: tts.model } : {}), language };
}
