/** The agent fields the API accepts and how they are kept (scalar columns + a settings object). */
import { z } from 'zod';
import { recordingSettings, timerSettings, voicemailSettings } from '../conversation/agent-settings.js';
import { placeholdersWellFormed } from '../brain/template.js';
import { toE164 } from '../shared/phone.js';

export { recordingSettings, timerSettings, voicemailSettings };

export const agentKinds = ['prompt', 'flow'] as const;
export type AgentKind = (typeof agentKinds)[number];

const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'variable names are letters, digits, _ . -');

/** True for a zone name the runtime's IANA database knows ("Europe/Paris", "UTC"); offsets and abbreviations are not names. */
export function isIanaTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/**
 * A transfer target, kept in E.164 whatever the agent's kind: a flow's transfer node dials what
 * the list holds, so "4155550110" or "+1 (415) 555-0110" must not reach a carrier as written.
 */
const transferNumber = z.string().max(32).transform((value, ctx) => {
  const number = toE164(value);
  if (number === null) {
    ctx.addIssue({ code: 'custom', message: 'not a valid phone number in E.164 form, like +14155550100' });
    return z.NEVER;
  }
  return number;
});

/** Body of POST /v1/agents. Capability settings (llm, flow, tools, outcome) are checked by their modules. */
export const agentInput = z.object({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(agentKinds).default('prompt'),
  /** A shipped flow to start from (flow agents), e.g. 'appointment_confirmation'. */
  template: z.string().max(100).nullish(),
  /** IANA timezone of the callees, for dates a flow hears ('next Tuesday'). */
  timezone: z.string().max(64).refine(isIanaTimeZone, 'must be an IANA time zone, like "America/New_York" or "UTC"').nullish(),
  prompt: z.string().max(50_000).default(''),
  greeting: z.string().max(2000).refine(...placeholdersWellFormed).nullish(),
  first_speaker: z.enum(['agent', 'contact']).default('agent'),
  language: z.string().min(2).max(35).default('en-US'),
  voice: z.string().max(200).nullish(),
  default_variables: z.record(variableName, z.string().max(2000)).default({}),
  llm: z.record(z.string(), z.unknown()).nullish(),
  stt: z.record(z.string(), z.unknown()).nullish(),
  tts: z.record(z.string(), z.unknown()).nullish(),
  flow: z.record(z.string(), z.unknown()).nullish(),
  tools: z.array(z.record(z.string(), z.unknown())).max(32).nullish(),
  // The same number written twice (or once formatted, once not) is one target.
  transfer_numbers: z.array(transferNumber).max(32).transform((numbers) => [...new Set(numbers)]).nullish(),
  outcome: z.record(z.string(), z.unknown()).nullish(),
  interruption: z.record(z.string(), z.unknown()).nullish(),
  voicemail: voicemailSettings.nullish(),
  recording: recordingSettings.nullish(),
  timers: timerSettings.nullish(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type AgentInput = z.infer<typeof agentInput>;

/** PATCH accepts any subset, with no defaults filled in. */
export const agentPatch = agentInput.partial().extend({
  kind: z.enum(agentKinds).optional(),
  prompt: z.string().max(50_000).optional(),
  first_speaker: z.enum(['agent', 'contact']).optional(),
  language: z.string().min(2).max(35).optional(),
  default_variables: z.record(variableName, z.string().max(2000)).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type AgentPatch = z.infer<typeof agentPatch>;

/** Settings keys kept in the agent's settings object, in API spelling. */
export const settingsKeys = [
  'kind', 'template', 'timezone', 'llm', 'stt', 'tts', 'flow', 'tools', 'transfer_numbers', 'outcome', 'interruption', 'voicemail', 'recording', 'timers',
] as const;
