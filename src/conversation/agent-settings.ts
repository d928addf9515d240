/**
 * The settings an agent carries for its calls' lines (timers, answering machines, recording,
 * transfer targets): their zod schemas, checked when an agent is saved, and the typed
 * `AgentSettings` every reader gets, parsed once when an agent is loaded. Capability settings
 * with owners of their own (llm, flow, tools, outcome, interruption, stt, tts) stay opaque here
 * and are parsed by those capabilities.
 */
import { z } from 'zod';
import { placeholdersWellFormed } from '../brain/template.js';
import { amdDetections } from './voicemail.js';

export const timerSettings = z.object({
  max_duration_s: z.number().int().min(10).max(4 * 3600).optional(),
  silence_reprompt_s: z.number().min(1).max(120).optional(),
  inactivity_timeout_s: z.number().min(2).max(600).optional(),
  response_delay_ms: z.number().int().min(0).max(5000).optional(),
  ring_timeout_s: z.number().int().min(5).max(600).optional(),
});

/** The voicemail fields as stored; `voicemailSettings` is what a save accepts. */
const voicemailFields = z.object({
  /**
   * Who decides whether a machine answered: `carrier` (Twilio's AMD; the simulated text lane
   * knows who answers), `parley` (Parley's own detector on the line's audio, the greeting held
   * until its verdict) or `off` (the agent greets whoever answers). Unset: `carrier` where the
   * carrier detects machines, else `parley` (see conversation/voicemail.ts).
   */
  detection: z.enum(amdDetections).optional(),
  /** What the agent does when an answering machine picks up. */
  action: z.enum(['hang_up', 'leave_message']).default('hang_up'),
  /** The message left after the beep; may hold {{variables}}. */
  message: z.string().max(2000).optional(),
  /**
   * Parley's own detector: the latest its verdict comes (default 4500 ms with a transcript, 2900
   * from the audio alone). Lower answers sooner and calls more answers by what is heard at that
   * moment; `npm run bench -- amd` shows the trade. A carrier's detector keeps its own bounds.
   */
  max_verdict_ms: z.number().int().min(1500).max(4500).optional(),
});

export const voicemailSettings = voicemailFields
  .extend({
    // Saved, a message must say something, and say it as written with its placeholders filled.
    message: z.string().trim().min(1, "must not be empty: leave it out to use the agent's own").max(2000).refine(...placeholdersWellFormed).optional(),
  })
  // A misspelt key ("actoin") would otherwise be dropped and the agent hang up on every machine.
  .strict()
  // Unset detection is the carrier's wherever the carrier detects (the sim, Twilio), where the
  // bound would do nothing: it is taken only beside an explicit `parley`.
  .refine((settings) => settings.max_verdict_ms === undefined || settings.detection === 'parley', {
    message: "max_verdict_ms bounds Parley's own detector: set detection to 'parley' to use it",
    path: ['max_verdict_ms'],
  });

/** Whether calls are recorded, and what the callee is told first. */
const recordingFields = z.object({
  enabled: z.boolean().default(false),
  /** Spoken before the greeting when set, e.g. "This call is recorded." May hold {{variables}}. */
  disclosure: z.string().trim().min(1).max(1000).nullish(),
});
export const recordingSettings = recordingFields.extend({ disclosure: recordingFields.shape.disclosure.refine(...placeholdersWellFormed) }).strict();

export type TimerSettings = z.output<typeof timerSettings>;
export type VoicemailSettings = z.output<typeof voicemailSettings>;
export type RecordingSettings = z.output<typeof recordingSettings>;

/** The line settings every reader sees typed; the other keys are their capabilities' own. */
export interface LineSettings {
  readonly timers?: TimerSettings;
  readonly voicemail?: VoicemailSettings;
  readonly recording?: RecordingSettings;
  readonly transfer_numbers?: readonly string[];
  readonly timezone?: string;
}

/** An agent's settings as loaded: the line settings typed, every other key as stored. */
export type AgentSettings = Readonly<Record<string, unknown>> & LineSettings;

// Loading is looser than saving: a key or a pairing a later release refuses (an unknown key,
// max_verdict_ms beside unset detection) must not cost an agent its whole voicemail setting.
const lineSchemas = {
  timers: timerSettings,
  voicemail: voicemailFields,
  recording: recordingFields,
  transfer_numbers: z.array(z.string()),
  timezone: z.string(),
} as const;

/**
 * Types stored settings. They were checked when saved; a value a later release no longer accepts
 * (a rule tightened since) is dropped, so the call runs on that setting's defaults rather than
 * on a value no schema describes.
 */
export function parseAgentSettings(stored: Readonly<Record<string, unknown>>): AgentSettings {
  const settings: Record<string, unknown> = { ...stored };
  for (const [key, schema] of Object.entries(lineSchemas)) {
    if (stored[key] === undefined || stored[key] === null) {
      delete settings[key];
      continue;
    }
    const parsed = schema.safeParse(stored[key]);
    if (parsed.success) settings[key] = parsed.data;
    else delete settings[key];
  }
  return settings as AgentSettings;
}
