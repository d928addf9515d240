/** Streaming chat completion: the contract every LLM provider implements. */

export type LlmMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly LlmToolCall[] }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly content: string };

export interface LlmToolCall {
  readonly id: string;
  readonly name: string;
  /** JSON text exactly as the model produced it. */
  readonly arguments: string;
}

export interface LlmToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

export interface LlmRequest {
  readonly model: string;
  readonly messages: readonly LlmMessage[];
  readonly tools?: readonly LlmToolSpec[];
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** Ask for a JSON object matching the schema (structured output). */
  readonly jsonSchema?: { readonly name: string; readonly schema: Readonly<Record<string, unknown>> };
}

export type LlmEvent =
  | { readonly type: 'text'; readonly text: string }
  /** A complete tool call (fragments already joined). */
  | { readonly type: 'tool_call'; readonly call: LlmToolCall }
  | { readonly type: 'usage'; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly type: 'done'; readonly finishReason: 'stop' | 'tool_calls' | 'length' | 'other' };

/**
 * A chat model. `stream` yields events as tokens arrive and throws a ProviderError when the
 * service fails (before or mid-stream); aborting the signal stops it promptly.
 */
export interface LlmProvider {
  readonly id: string;
  stream(request: LlmRequest, signal: AbortSignal): AsyncIterable<LlmEvent>;
}
