/** The Anthropic chat provider: the streaming Messages API through the official SDK. */
import Anthropic from '@anthropic-ai/sdk';
import { ProviderError } from '../../shared/errors.js';
import { keepAliveFetch } from '../http-fetch.js';
import type { LlmEvent, LlmProvider, LlmRequest } from '../types.js';
import { abortReason, toProviderError } from './errors.js';
import { anthropicLlmOptionsSchema, type AnthropicLlmOptions, type AnthropicLlmOptionsInput } from './options.js';
import { mapStopReason, toMessagesRequest } from './protocol.js';

/**
 * A chat provider for Anthropic's Messages API. With `jsonSchema` the model is made to call a
 * tool of that schema and the tool's input arrives as `text` events, so a structured answer reads
 * the same as OpenAI's. The SDK never retries; failures throw ProviderError; aborting throws the
 * signal's reason.
 */
export function createAnthropicLlm(input: AnthropicLlmOptionsInput): LlmProvider {
  const options = anthropicLlmOptionsSchema.parse(input);
  // Every setting is explicit so the SDK reads no environment variable or credentials file.
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    timeout: options.timeoutMs,
    maxRetries: 0,
    // Shared keep-alive connections: a turn's request does not pay a handshake (see http-fetch.ts).
    fetch: keepAliveFetch,
  });
  return { id: 'anthropic', stream: (request, signal) => streamMessages(client, options, request, signal) };
}

async function* streamMessages(
  client: Anthropic,
  options: AnthropicLlmOptions,
  request: LlmRequest,
  signal: AbortSignal,
): AsyncGenerator<LlmEvent> {
  if (signal.aborted) throw abortReason(signal);
  const body = toMessagesRequest(request, options);
  const structured = request.jsonSchema !== undefined;
  const toolBlocks = new Map<number, { id: string; name: string; json: string }>();
  let inputTokens = 0;
  let outputTokens = 0;
  let finishReason: Extract<LlmEvent, { type: 'done' }>['finishReason'] = 'other';
  let stopped = false;
  try {
    const stream = await client.messages.create(body, { signal });
    for await (const event of stream) {
      switch (event.type) {
        case 'message_start': {
          const usage = event.message.usage;
          inputTokens = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
          outputTokens = usage.output_tokens;
          break;
        }
        case 'content_block_start':
          if (event.content_block.type === 'tool_use') {
            toolBlocks.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
          }
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta') {
            if (event.delta.text) yield { type: 'text', text: event.delta.text };
          } else if (event.delta.type === 'input_json_delta') {
            if (structured) {
              if (event.delta.partial_json) yield { type: 'text', text: event.delta.partial_json };
            } else {
              const block = toolBlocks.get(event.index);
              if (block) block.json += event.delta.partial_json;
            }
          }
          break;
        case 'content_block_stop': {
          const block = toolBlocks.get(event.index);
          if (block && !structured) {
            toolBlocks.delete(event.index);
            yield { type: 'tool_call', call: { id: block.id, name: block.name, arguments: block.json || '{}' } };
          }
          break;
        }
        case 'message_delta': {
          const usage = event.usage;
          if (usage.input_tokens !== null && usage.input_tokens !== undefined) {
            inputTokens = usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
          }
          outputTokens = usage.output_tokens;
          const reason = mapStopReason(event.delta.stop_reason);
          // The forced schema tool is how the answer arrives, not a call for Parley to run.
          finishReason = structured && reason === 'tool_calls' ? 'stop' : reason;
          break;
        }
        case 'message_stop':
          stopped = true;
          break;
        default:
          // Newer event kinds (the SDK passes unknown names through) carry nothing Parley uses.
          break;
      }
    }
  } catch (error) {
    if (signal.aborted) throw abortReason(signal);
    throw toProviderError(error);
  }
  // The SDK ends iteration quietly when its request is aborted.
  if (signal.aborted) throw abortReason(signal);
  if (!stopped) throw new ProviderError('anthropic', 'connectivity', 'The message stream ended before message_stop');
  yield { type: 'usage', inputTokens, outputTokens };
  yield { type: 'done', finishReason };
}
