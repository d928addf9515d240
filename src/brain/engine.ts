/** The server's conversation engine: picks the brain an agent's kind asks for. */
import type { ConversationEngine } from './types.js';
import { createFlowEngine, parseFlow, requiredFlowVariables } from './flow/index.js';
import { createPromptEngine, type PromptEngineDeps } from './prompt/index.js';
import { agentLlmSettings, type AgentLlmSettings, type LlmResolution } from '../llm/registry.js';

export interface EngineDeps extends PromptEngineDeps {
  readonly resolveLlm: (settings: AgentLlmSettings) => LlmResolution;
}

/** The agent's model, if it has a usable one (flows use it only as a helper). */
export function agentLlm(settings: Readonly<Record<string, unknown>>, resolve: EngineDeps['resolveLlm']): LlmResolution {
  const parsed = agentLlmSettings.safeParse(settings.llm ?? {});
  return resolve(parsed.success ? parsed.data : {});
}

export function createConversationEngine(deps: EngineDeps): ConversationEngine {
  const prompt = createPromptEngine(deps);
  return {
    open(context) {
      if (context.agent.settings.kind !== 'flow') return prompt.open(context);
      const llm = agentLlm(context.agent.settings, deps.resolveLlm);
      return createFlowEngine(llm.ok ? { llm: { provider: llm.provider, model: llm.model } } : {}).open(context);
    },
  };
}

/** Placeholders an agent's texts need beyond its prompt and greeting (a flow's texts). */
export function agentRequiredVariables(settings: Readonly<Record<string, unknown>>): string[] {
  if (settings.kind !== 'flow') return [];
  const parsed = parseFlow(settings.flow);
  return parsed.ok ? requiredFlowVariables(parsed.flow) : [];
}
