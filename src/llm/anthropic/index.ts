/** Anthropic Messages API provider: factory and options. */
export { createAnthropicLlm } from './anthropic-llm.js';
export { anthropicLlmOptionsSchema, type AnthropicLlmOptions, type AnthropicLlmOptionsInput } from './options.js';
