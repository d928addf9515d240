/** Chat-completions wire mapping: Parley's LlmRequest to the request body, and chunk fragments back to events. */
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { LlmEvent, LlmMessage, LlmRequest, LlmToolCall } from '../types.js';
import { OPENAI_BASE_URL, type OpenAiLlmOptions } from './options.js';

type FinishReason = Extract<LlmEvent, { type: 'done' }>['finishReason'];

function toMessage(message: LlmMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        // OpenAI wants null, not '', beside tool calls when the model said nothing.
        content: message.content === '' ? null : message.content,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        })),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

/** The streaming request body for a Parley request. */
export function toChatRequest(request: LlmRequest, options: OpenAiLlmOptions): ChatCompletionCreateParamsStreaming {
  const maxTokensField =
    options.maxTokensField ?? (options.baseUrl.startsWith(OPENAI_BASE_URL) ? 'max_completion_tokens' : 'max_tokens');
  return {
    model: request.model || options.model,
    messages: request.messages.map(toMessage),
    stream: true,
    stream_options: { include_usage: true },
    ...(request.tools?.length
      ? {
          tools: request.tools.map((tool) => ({
            type: 'function' as const,
            function: { name: tool.name, description: tool.description, parameters: { ...tool.parameters } },
          })),
        }
      : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.maxTokens !== undefined ? { [maxTokensField]: request.maxTokens } : {}),
    ...(request.jsonSchema
      ? {
          response_format: {
            type: 'json_schema' as const,
            json_schema: { name: request.jsonSchema.name, schema: { ...request.jsonSchema.schema } },
          },
        }
      : {}),
  };
}

/** OpenAI's finish_reason in Parley's vocabulary. */
export function mapFinishReason(reason: ChatCompletionChunk.Choice['finish_reason']): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'length':
      return 'length';
    default:
      return 'other';
  }
}

type Fragment = ChatCompletionChunk.Choice.Delta.ToolCall;

/**
 * Joins tool-call fragments by `index`: the first fragment of a call carries its id and name,
 * later ones only pieces of the arguments. Some compatible servers repeat index 0 for every call
 * with a new id each time, so a new id at a used index starts a new call.
 */
export class ToolCallJoiner {
  private readonly calls: { id: string; name: string; arguments: string }[] = [];
  private readonly byIndex = new Map<number, number>();

  add(fragment: Fragment): void {
    const index = fragment.index ?? this.calls.length;
    let position = this.byIndex.get(index);
    const current = position === undefined ? undefined : this.calls[position];
    if (current === undefined || (fragment.id && current.id && fragment.id !== current.id)) {
      position = this.calls.push({ id: '', name: '', arguments: '' }) - 1;
      this.byIndex.set(index, position);
    }
    const call = this.calls[position!]!;
    if (fragment.id) call.id = fragment.id;
    const name = fragment.function?.name;
    // A name split over fragments is joined; one repeated in every fragment (some servers) is kept once.
    if (name) call.name = call.name && call.name !== name ? call.name + name : name;
    if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
  }

  get size(): number {
    return this.calls.length;
  }

  /** The joined calls, in order; empties the joiner. */
  drain(): LlmToolCall[] {
    const done = this.calls.splice(0).map((call, position) => ({
      id: call.id || `call_${position}`,
      name: call.name,
      // An empty arguments string is how some servers say "no arguments".
      arguments: call.arguments || '{}',
    }));
    this.byIndex.clear();
    return done;
  }
}
