/** Messages API wire mapping: Parley's LlmRequest to the request body, stop reasons back. */
import type {
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  StopReason,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import type { LlmEvent, LlmMessage, LlmRequest, LlmToolSpec } from '../types.js';
import type { AnthropicLlmOptions } from './options.js';

type FinishReason = Extract<LlmEvent, { type: 'done' }>['finishReason'];

function toTool(spec: LlmToolSpec): Tool {
  return { name: spec.name, description: spec.description, input_schema: { type: 'object', ...spec.parameters } };
}

function parseInput(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    // tool_use input must be an object; a call whose arguments were not JSON is replayed empty.
    return {};
  }
}

function toBlocks(message: Exclude<LlmMessage, { role: 'system' }>): ContentBlockParam[] {
  switch (message.role) {
    case 'user':
      return message.content ? [{ type: 'text', text: message.content }] : [];
    case 'assistant':
      return [
        // The API refuses empty text blocks.
        ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
        ...(message.toolCalls ?? []).map((call) => ({
          type: 'tool_use' as const,
          id: call.id,
          name: call.name,
          input: parseInput(call.arguments),
        })),
      ];
    case 'tool':
      return [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }];
  }
}

/**
 * Parley messages as Messages API turns: system text goes to the top-level `system`, tool results
 * become `tool_result` blocks of a user turn, and neighbouring turns of one role merge into one
 * (every tool_result of an assistant turn must sit in the single user turn after it).
 */
export function toMessages(messages: readonly LlmMessage[]): { system: string; messages: MessageParam[] } {
  const system = messages.filter((message) => message.role === 'system').map((message) => message.content);
  const turns: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    const blocks = toBlocks(message);
    if (blocks.length === 0) continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  return { system: system.join('\n\n'), messages: turns };
}

/** The streaming request body; `jsonSchema` becomes a forced call of a tool whose input is the answer. */
export function toMessagesRequest(request: LlmRequest, options: AnthropicLlmOptions): MessageCreateParamsStreaming {
  const { system, messages } = toMessages(request.messages);
  const json = request.jsonSchema;
  return {
    model: request.model || options.model,
    max_tokens: request.maxTokens ?? options.maxTokens,
    messages,
    stream: true,
    ...(system ? { system } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(json
      ? {
          tools: [toTool({ name: json.name, description: 'Give your answer as the input of this tool.', parameters: json.schema })],
          tool_choice: { type: 'tool' as const, name: json.name },
        }
      : request.tools?.length
        ? { tools: request.tools.map(toTool) }
        : {}),
  };
}

/** Anthropic's stop_reason in Parley's vocabulary. */
export function mapStopReason(reason: StopReason | null): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    default:
      return 'other';
  }
}
