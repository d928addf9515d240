/** A prompt agent's settings (API spelling, as the agent stores them): the model, its tools, where it may transfer. */
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { toE164 } from '../../shared/phone.js';
import { agentLlmSettings } from '../../llm/registry.js';
import { builtinToolNames } from '../tools/builtin.js';
import { httpToolSettings } from '../tools/http-tool.js';

const e164 = z.string().transform((value, ctx) => {
  const number = toE164(value);
  if (number === null) {
    ctx.addIssue({ code: 'custom', message: 'not a valid E.164 phone number' });
    return z.NEVER;
  }
  return number;
});

/** The prompt agent's part of an agent's settings; keys of other capabilities are ignored. */
export const promptAgentSettings = z
  .object({
    kind: z.literal('prompt').default('prompt'),
    llm: agentLlmSettings.default({}),
    /** Custom HTTP tools; the call-control built-ins are always there. */
    tools: z.array(httpToolSettings).max(32).default([]),
    /** The only numbers transfer_call may reach; none means no transfer tool. */
    transfer_numbers: z.array(e164).max(32).default([]),
    voicemail: z
      .object({
        action: z.enum(['hang_up', 'leave_message']).default('hang_up'),
        /** May hold `{{variable}}` placeholders; without one the model composes the message. */
        message: z.string().max(2000).optional(),
      })
      .optional(),
  })
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.tools.forEach((tool, index) => {
      if ((builtinToolNames as readonly string[]).includes(tool.name)) {
        ctx.addIssue({ code: 'custom', path: ['tools', index, 'name'], message: `"${tool.name}" is a built-in tool name` });
      } else if (seen.has(tool.name)) {
        ctx.addIssue({ code: 'custom', path: ['tools', index, 'name'], message: `two tools are named "${tool.name}"` });
      }
      seen.add(tool.name);
    });
  });

/** Settings after defaults. */
export type PromptAgentSettings = z.output<typeof promptAgentSettings>;

/**
 * Parses an agent's stored settings (other capabilities' keys pass untouched); throws
 * VALIDATION_FAILED naming each field, e.g. `tools.0.url`.
 */
export function parsePromptSettings(settings: Readonly<Record<string, unknown>>): PromptAgentSettings {
  const parsed = promptAgentSettings.safeParse(settings);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
  throw new AppError('VALIDATION_FAILED', `Invalid agent settings: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, {
    details,
  });
}

/**
 * Checks a prompt agent's settings before they are saved and writes transfer numbers in E.164
 * (shaped to plug into the agents module's settings checks). Other kinds pass untouched.
 */
export function checkPromptSettings(settings: Record<string, unknown>): Record<string, unknown> {
  if (settings['kind'] !== undefined && settings['kind'] !== 'prompt') return settings;
  const parsed = parsePromptSettings(settings);
  return settings['transfer_numbers'] === undefined ? settings : { ...settings, transfer_numbers: parsed.transfer_numbers };
}
