/** OpenAI-compatible chat provider: factory and options. */
export { createOpenAiLlm } from './openai-llm.js';
export { openAiLlmOptionsSchema, OPENAI_BASE_URL, type OpenAiLlmOptions, type OpenAiLlmOptionsInput } from './options.js';
