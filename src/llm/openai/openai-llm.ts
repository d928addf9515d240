/** The OpenAI-compatible chat provider: streaming chat completions through the official SDK. */
import OpenAI from 'openai';
import { ProviderError } from '../../shared/errors.js';
import { keepAliveFetch } from '../http-fetch.js';
import type { LlmEvent, LlmProvider, LlmRequest } from '../types.js';
import { abortReason, toProviderError } from './errors.js';
import { openAiLlmOptionsSchema, type OpenAiLlmOptions, type OpenAiLlmOptionsInput } from './options.js';
import { mapFinishReason, toChatRequest, ToolCallJoiner } from './protocol.js';

/**
 * A chat provider for any OpenAI-compatible server. The SDK never retries (`maxRetries: 0`):
 * retry is a wrapper's decision. Failures throw ProviderError; aborting throws the signal's reason.
 */
export function createOpenAiLlm(input: OpenAiLlmOptionsInput): LlmProvider {
  const options = openAiLlmOptionsSchema.parse(input);
  // Every setting is explicit so the SDK reads nothing from the environment.
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    organization: null,
    project: null,
    webhookSecret: null,
    timeout: options.timeoutMs,
    maxRetries: 0,
    // Shared keep-alive connections: a turn's request does not pay a handshake (see http-fetch.ts).
    fetch: keepAliveFetch,
  });
  return { id: 'openai', stream: (request, signal) => streamChat(client, options, request, signal) };
}

async function* streamChat(
  client: OpenAI,
  options: OpenAiLlmOptions,
  request: LlmRequest,
  signal: AbortSignal,
): AsyncGenerator<LlmEvent> {
  if (signal.aborted) throw abortReason(signal);
  const body = toChatRequest(request, options);
  const calls = new ToolCallJoiner();
  let finishReason: Extract<LlmEvent, { type: 'done' }>['finishReason'] | null = null;
  let usage: Extract<LlmEvent, { type: 'usage' }> | null = null;
  try {
    const stream = await client.chat.completions.create(body, { signal });
    for await (const chunk of stream) {
      if (chunk.usage) {
        usage = { type: 'usage', inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
      }
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta.content) yield { type: 'text', text: choice.delta.content };
      for (const fragment of choice.delta.tool_calls ?? []) calls.add(fragment);
      if (choice.finish_reason) {
        // Some compatible servers end a tool-calling reply with 'stop'; the calls say what it was.
        finishReason = calls.size > 0 ? 'tool_calls' : mapFinishReason(choice.finish_reason);
        for (const call of calls.drain()) yield { type: 'tool_call', call };
      }
    }
  } catch (error) {
    if (signal.aborted) throw abortReason(signal);
    throw toProviderError(error);
  }
  // The SDK ends iteration quietly when its request is aborted.
  if (signal.aborted) throw abortReason(signal);
  if (finishReason === null) {
    throw new ProviderError('openai', 'connectivity', 'The completion stream ended before the model finished');
  }
  if (usage) yield usage;
  yield { type: 'done', finishReason };
}
