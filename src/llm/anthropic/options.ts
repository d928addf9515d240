/** Options of the Anthropic Messages API provider. */
import { z } from 'zod';

/** Options of `createAnthropicLlm`, with defaults. */
export const anthropicLlmOptionsSchema = z.object({
  apiKey: z.string().min(1),
  /** Without `/v1`: the SDK adds it. */
  baseUrl: z.url().default('https://api.anthropic.com'),
  /** Used when a request names no model. */
  model: z.string().min(1).default('claude-haiku-4-5'),
  /** Until the response headers arrive; a stalled stream is the caller's signal to end. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** The Messages API requires `max_tokens`; this fills it when a request gives none. */
  maxTokens: z.number().int().positive().default(1024),
});

/** What callers pass to `createAnthropicLlm`. */
export type AnthropicLlmOptionsInput = z.input<typeof anthropicLlmOptionsSchema>;
/** Options after defaults. */
export type AnthropicLlmOptions = z.output<typeof anthropicLlmOptionsSchema>;
