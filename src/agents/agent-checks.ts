/**
 * What capabilities check when an agent is saved, and how its stored settings are shown and
 * handed to a brain: flows are validated (422 naming the problems), prompt settings and outcome
 * schemas parsed, and the agent's own model key sealed, never returned in full.
 */
import { AppError } from '../shared/errors.js';
import type { SecretBox } from '../shared/secret-box.js';
import { maskSecret } from '../shared/secret-box.js';
import { parseFlow, flowTemplates, type Flow, type FlowProblem, type FlowTemplateName } from '../brain/flow/index.js';
import { placeholders } from '../brain/template.js';
import { toE164 } from '../shared/phone.js';
import { checkPromptSettings } from '../brain/prompt/index.js';
import { parseOutcomeSettings } from '../brain/outcome/index.js';
import { checkVoiceSettings } from '../voice/session/settings.js';
import type { AgentSettingsCheck, AgentSettingsView } from './agent-service.js';

type Settings = Record<string, unknown>;

/** A flow agent may name a shipped template instead of spelling its flow out. */
function expandTemplate(settings: Settings): Settings {
  const template = settings.template as FlowTemplateName | undefined;
  if (settings.kind !== 'flow' || !template) return settings;
  const shipped = flowTemplates[template];
  if (!shipped) throw new AppError('AGENT_INVALID', `Unknown flow template "${String(template)}"`, { details: { field: 'template', templates: Object.keys(flowTemplates) } });
  return { ...shipped.settings, ...settings, flow: settings.flow ?? shipped.settings.flow, outcome: settings.outcome ?? shipped.settings.outcome };
}

const checkFlow: AgentSettingsCheck = (settings) => {
  const expanded = expandTemplate(settings);
  if (expanded.kind !== 'flow') return expanded;
  if (expanded.flow === undefined) throw new AgentInvalid('A flow agent needs "flow" (or "template")', [{ field: 'flow', message: 'required' }]);
  const parsed = parseFlow(expanded.flow);
  const problems = parsed.ok ? fixedTransferTargets(parsed.flow, expanded.transfer_numbers) : parsed.problems;
  if (problems.length > 0) throw new AgentInvalid(`The flow is not valid: ${problems.map((p) => p.message).join('; ')}`, problems);
  return expanded;
};

/**
 * A transfer node's target written out (no {{placeholder}}) must be a number the agent may
 * transfer to: otherwise every call refuses it, and nobody learns why until one does. A target
 * from the call's variables can only be checked on the call.
 */
function fixedTransferTargets(flow: Flow, transferNumbers: unknown): FlowProblem[] {
  const allowed = Array.isArray(transferNumbers) ? transferNumbers : [];
  const problems: FlowProblem[] = [];
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type !== 'transfer' || placeholders(node.to).length > 0) continue;
    const number = toE164(node.to);
    if (!number) {
      problems.push({ code: 'invalid_definition', message: `Node "${id}" transfers to something that is not a phone number in E.164 form, like +14155550100`, node: id, field: 'to' });
    } else if (!allowed.includes(number)) {
      problems.push({ code: 'invalid_definition', message: `Node "${id}" transfers to a number that is not in the agent's transfer_numbers: add it there, or every call will refuse it`, node: id, field: 'to' });
    }
  }
  return problems;
}

const checkPrompt: AgentSettingsCheck = (settings) => checkPromptSettings(settings);

const checkOutcome: AgentSettingsCheck = (settings) => {
  if (settings.outcome === undefined) return settings;
  const parsed = parseOutcomeSettings(settings.outcome);
  if (!parsed.ok) throw new AgentInvalid(`The outcome settings are not valid: ${parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, parsed.problems);
  return settings;
};

class AgentInvalid extends AppError {
  constructor(message: string, problems: unknown[]) {
    super('AGENT_INVALID', message, { details: { problems } });
  }
}

interface LlmEndpoint {
  api_key?: string;
  api_key_sealed?: string;
  api_key_hint?: string;
  [key: string]: unknown;
}

interface LlmSettings extends LlmEndpoint {
  fallback?: LlmEndpoint[];
}

/**
 * Applies `transform` to the agent's model and to each of its fallback models: every one of
 * them may hold a key of its own.
 */
function eachEndpoint<S extends Readonly<Settings>>(settings: S, transform: (endpoint: LlmEndpoint) => LlmEndpoint): S {
  const llm = settings.llm as LlmSettings | undefined;
  if (!llm) return settings;
  const { fallback, ...own } = llm;
  const changed: LlmSettings = { ...transform(own), ...(fallback ? { fallback: fallback.map(transform) } : {}) };
  return { ...settings, llm: changed };
}

/** Seals `llm.api_key` (and each `llm.fallback[].api_key`) before it is stored. */
export function sealLlmKey(box: SecretBox): AgentSettingsCheck {
  return (settings) =>
    eachEndpoint(settings, (endpoint) => {
      if (!endpoint.api_key) return endpoint;
      const { api_key: key, ...rest } = endpoint;
      return { ...rest, api_key_sealed: box.seal(key), api_key_hint: maskSecret(key) };
    });
}

/** Shows a sealed key as its hint. */
export const maskLlmKey: AgentSettingsView = (settings) =>
  eachEndpoint(settings, (endpoint) => {
    if (!endpoint.api_key_sealed) return endpoint;
    const { api_key_sealed: _sealed, api_key_hint: hint, ...rest } = endpoint;
    return { ...rest, api_key: hint ?? '••••' };
  });

/** The settings a brain gets: the sealed keys opened again. */
export function unsealLlmKey<S extends Readonly<Settings>>(box: SecretBox, settings: S): S {
  return eachEndpoint(settings, (endpoint) => {
    if (!endpoint.api_key_sealed) return endpoint;
    const { api_key_sealed: sealed, api_key_hint: _hint, ...rest } = endpoint;
    return { ...rest, api_key: box.open(sealed) };
  });
}

/** The checks every agent goes through on save, in order. */
export function agentSettingsChecks(box: SecretBox): AgentSettingsCheck[] {
  return [checkFlow, checkPrompt, checkOutcome, checkVoiceSettings, sealLlmKey(box)];
}
