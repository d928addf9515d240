/** Asks a chat model for one JSON object (structured output) and reads it back. */
import type { LlmProvider, LlmRequest } from '../../llm/types.js';

/** A model to use: the provider and the model name it serves. */
export interface LlmBinding {
  readonly provider: LlmProvider;
  readonly model: string;
}

/** The parsed object, or the raw text when the model did not answer JSON. */
export type JsonReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly raw: string };

/**
 * Streams a structured-output request to the end and parses the text as JSON. Tolerates a
 * Markdown code fence around the object, which some local models add despite the schema.
 * Provider failures (ProviderError) and aborts propagate.
 */
export async function completeJson(
  llm: LlmBinding,
  request: Omit<LlmRequest, 'model'>,
  signal: AbortSignal,
): Promise<JsonReply> {
  let text = '';
  for await (const event of llm.provider.stream({ ...request, model: llm.model }, signal)) {
    if (event.type === 'text') text += event.text;
  }
  const unfenced = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
  try {
    return { ok: true, value: JSON.parse(unfenced) as unknown };
  } catch {
    return { ok: false, raw: text };
  }
}
