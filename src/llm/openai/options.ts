/** Options of the OpenAI-compatible chat provider (OpenAI, Groq, Together, Ollama, vLLM, llama.cpp, LM Studio). */
import { z } from 'zod';

/** OpenAI's own endpoint; anything else is an OpenAI-compatible server. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** Options of `createOpenAiLlm`, with defaults. */
export const openAiLlmOptionsSchema = z.object({
  /** Local servers need none: the registry sends a placeholder then. */
  apiKey: z.string().min(1),
  /** Ends in `/v1` for every compatible server (`http://localhost:11434/v1` for Ollama). */
  baseUrl: z.url().default(OPENAI_BASE_URL),
  /** Used when a request names no model. */
  model: z.string().min(1).default('gpt-4o-mini'),
  /** Until the response headers arrive; a stalled stream is the caller's signal to end. */
  timeoutMs: z.number().int().positive().default(30_000),
  /**
   * OpenAI's newer models refuse `max_tokens` and want `max_completion_tokens`; most compatible
   * servers only know `max_tokens`. Derived from the base URL when absent.
   */
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
});

/** What callers pass to `createOpenAiLlm`. */
export type OpenAiLlmOptionsInput = z.input<typeof openAiLlmOptionsSchema>;
/** Options after defaults. */
export type OpenAiLlmOptions = z.output<typeof openAiLlmOptionsSchema>;
