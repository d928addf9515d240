/** The prompt (LLM) agent brain. */
export { APOLOGY, createPromptEngine, DEFAULT_MAX_TOOL_ROUNDS, FALLBACK_GOODBYE, type PromptEngineDeps } from './engine.js';
export { checkPromptSettings, parsePromptSettings, promptAgentSettings, type PromptAgentSettings } from './settings.js';
export { systemPrompt } from './instructions.js';
