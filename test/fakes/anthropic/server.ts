/**
 * A protocol-faithful fake of Anthropic's Messages API: POST /v1/messages with `x-api-key` (or the
 * Bearer form newer SDKs send) and `anthropic-version`, answered as the SSE sequence message_start,
 * content_block_start/delta/stop, ping, message_delta, message_stop (or one message JSON), scripted
 * per request with the same vocabulary as the OpenAI fake.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  destroyAfterFlush,
  pause,
  roughTokens,
  scriptPieces,
  sendJson,
  startEventStream,
  startFakeLlmServer,
  untilClosed,
  type FakeHttpError,
  type FakeLlmScript,
  type FakeLlmServer,
  type FakeLlmServerOptions,
  type RecordedLlmRequest,
} from '../openai/fake-llm-base.js';

export type { FakeLlmScript, FakeLlmServer, RecordedLlmRequest } from '../openai/fake-llm-base.js';

/** The default key the fake accepts. */
export const FAKE_ANTHROPIC_KEY = 'sk-ant-fake-key';

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Anthropic's error JSON for a status. */
export function anthropicErrorBody(error: FakeHttpError): { type: 'error'; error: { type: string; message: string }; request_id: string } {
  const type = error.type ?? errorTypes[error.status] ?? (error.status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message: error.message ?? type.replace(/_/g, ' ') }, request_id: requestId() };
}

const requestId = (): string => `req_${randomBytes(12).toString('base64url')}`;
const toolId = (): string => `toolu_${randomBytes(12).toString('base64url')}`;

function sendError(res: ServerResponse, error: FakeHttpError): void {
  const headers: Record<string, string> = { 'request-id': requestId() };
  if (error.status === 429) headers['retry-after'] = '1';
  sendJson(res, error.status, anthropicErrorBody(error), headers);
}

interface MessagesBody {
  model: string;
  max_tokens: number;
  messages: Array<{ role: string; content: unknown }>;
  tools?: Array<{ name?: unknown; input_schema?: unknown }>;
  tool_choice?: { type?: string; name?: string };
  stream?: boolean;
}

type Block = { type?: unknown; text?: unknown; id?: unknown; tool_use_id?: unknown };

/** The checks the real service makes that catch client bugs; null when the body is acceptable. */
function invalidBody(body: unknown): string | null {
  if (!body || typeof body !== 'object') return 'request body is not valid JSON';
  const request = body as Partial<MessagesBody>;
  if (typeof request.model !== 'string' || request.model === '') return 'model: Field required';
  if (!Number.isInteger(request.max_tokens) || request.max_tokens! < 1) return 'max_tokens: Field required';
  if (!Array.isArray(request.messages) || request.messages.length === 0) return 'messages: at least one message is required';
  const toolNames = new Set<unknown>();
  for (const tool of request.tools ?? []) {
    if (typeof tool.name !== 'string' || typeof tool.input_schema !== 'object') return 'tools: each tool needs a name and an input_schema';
    toolNames.add(tool.name);
  }
  if (request.tool_choice?.type === 'tool' && !toolNames.has(request.tool_choice.name)) {
    return `tool_choice: tool '${String(request.tool_choice.name)}' not found in tools`;
  }
  let pendingToolUses: string[] = [];
  for (const [index, message] of request.messages.entries()) {
    if (!['user', 'assistant', 'system'].includes(message.role)) return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    const blocks: Block[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : (message.content as Block[]);
    if (!Array.isArray(blocks) || blocks.length === 0) return `messages.${index}: all messages must have non-empty content`;
    const results = blocks.filter((block) => block.type === 'tool_result').map((block) => String(block.tool_use_id));
    for (const id of results) {
      if (!pendingToolUses.includes(id)) {
        return `messages.${index}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    const unanswered = pendingToolUses.filter((id) => !results.includes(id));
    if (unanswered.length > 0) {
      return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
    if (blocks.some((block) => block.type === 'text' && (typeof block.text !== 'string' || block.text === ''))) {
      return `messages.${index}: text content blocks must be non-empty`;
    }
    pendingToolUses = message.role === 'assistant' ? blocks.filter((b) => b.type === 'tool_use').map((b) => String(b.id)) : [];
  }
  if (pendingToolUses.length > 0) return 'messages: the final assistant tool_use blocks have no tool_result';
  return null;
}

function stopReasonOf(script: FakeLlmScript): string {
  return script.finishReason ?? ((script.toolCalls?.length ?? 0) > 0 ? 'tool_use' : 'end_turn');
}

function tokensOf(script: FakeLlmScript, request: RecordedLlmRequest): { input: number; output: number } {
  const output = [...(script.text ?? []), ...(script.toolCalls ?? []).flatMap((call) => call.argumentPieces)].join('');
  return {
    input: script.usage?.inputTokens ?? roughTokens(JSON.stringify(request.body ?? '')),
    output: script.usage?.outputTokens ?? roughTokens(output),
  };
}

function sendMessage(res: ServerResponse, request: RecordedLlmRequest, body: MessagesBody, script: FakeLlmScript): void {
  const text = (script.text ?? []).join('');
  const tokens = tokensOf(script, request);
  sendJson(res, 200, {
    id: `msg_${randomBytes(12).toString('base64url')}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [
      ...(text ? [{ type: 'text', text, citations: null }] : []),
      ...(script.toolCalls ?? []).map((call) => ({
        type: 'tool_use',
        id: call.id ?? toolId(),
        name: call.name,
        input: JSON.parse(call.argumentPieces.join('') || '{}') as unknown,
      })),
    ],
    stop_reason: stopReasonOf(script),
    stop_sequence: null,
    usage: { input_tokens: tokens.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: tokens.output, service_tier: 'standard' },
  }, { 'request-id': requestId() });
}

async function sendStream(res: ServerResponse, request: RecordedLlmRequest, body: MessagesBody, script: FakeLlmScript): Promise<void> {
  const event = (type: string, data: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  const tokens = tokensOf(script, request);
  const pieces = scriptPieces(script, toolId);
  startEventStream(res, { 'request-id': requestId() });
  await pause(script.firstTokenDelayMs ?? 0, res);
  event('message_start', {
    message: {
      id: `msg_${randomBytes(12).toString('base64url')}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: tokens.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: 'standard' },
    },
  });
  let block = -1;
  let blockKind: 'text' | 'tool' | null = null;
  const closeBlock = (): void => {
    if (blockKind !== null) event('content_block_stop', { index: block });
    blockKind = null;
  };
  for (let index = 0; index <= pieces.length; index++) {
    if (script.streamError?.afterPieces === index) {
      const { type, message } = script.streamError;
      res.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message: message ?? type } })}\n\n`);
      return;
    }
    if (script.disconnectAfterPieces === index) {
      await destroyAfterFlush(res);
      return;
    }
    if (script.stallAfterPieces === index) {
      await untilClosed(res);
      return;
    }
    const piece = pieces[index];
    if (!piece) break;
    if (index > 0) await pause(script.chunkDelayMs ?? 0, res);
    if (res.destroyed) return;
    if (piece.kind === 'text') {
      if (blockKind !== 'text') {
        closeBlock();
        block++;
        blockKind = 'text';
        event('content_block_start', { index: block, content_block: { type: 'text', text: '', citations: null } });
        if (block === 0) event('ping', {});
      }
      event('content_block_delta', { index: block, delta: { type: 'text_delta', text: piece.text } });
    } else if (piece.kind === 'tool_start') {
      closeBlock();
      block++;
      blockKind = 'tool';
      event('content_block_start', { index: block, content_block: { type: 'tool_use', id: piece.id, name: piece.name, input: {}, caller: { type: 'direct' } } });
      if (block === 0) event('ping', {});
      event('content_block_delta', { index: block, delta: { type: 'input_json_delta', partial_json: '' } });
    } else {
      event('content_block_delta', { index: block, delta: { type: 'input_json_delta', partial_json: piece.text } });
    }
  }
  closeBlock();
  event('message_delta', {
    delta: { stop_reason: stopReasonOf(script), stop_sequence: null, stop_details: null, container: null },
    usage: { input_tokens: tokens.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: tokens.output, server_tool_use: null },
  });
  event('message_stop', {});
  res.end();
}

/** Starts the fake on 127.0.0.1:0; its `baseUrl` has no `/v1`, as the SDK's `baseURL` has none. */
export function startFakeAnthropic(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const apiKey = options.apiKey === undefined ? FAKE_ANTHROPIC_KEY : options.apiKey;
  return startFakeLlmServer(
    async (request, res, nextScript) => {
      const path = request.path.split('?')[0];
      if (request.method !== 'POST' || path !== '/v1/messages') {
        sendError(res, { status: 404, message: 'Not found' });
        return;
      }
      const given = request.headers['x-api-key'] || request.headers['authorization']?.replace(/^Bearer /, '');
      if (apiKey !== null && given !== apiKey) {
        sendError(res, { status: 401, message: given ? 'invalid x-api-key' : 'x-api-key header is required' });
        return;
      }
      if (!/^\d{4}-\d{2}-\d{2}$/.test(request.headers['anthropic-version'] ?? '')) {
        sendError(res, { status: 400, message: 'anthropic-version: header is required' });
        return;
      }
      const problem = invalidBody(request.body);
      if (problem) {
        sendError(res, { status: 400, message: problem });
        return;
      }
      const body = request.body as MessagesBody;
      const script = await nextScript();
      await pause(script.headersDelayMs ?? 0, res);
      if (res.destroyed) return;
      if (script.error) sendError(res, script.error);
      else if (body.stream === true) await sendStream(res, request, body, script);
      else sendMessage(res, request, body, script);
    },
    { ...options, basePath: '', defaultHandler: () => ({ text: ['Hello', ' from the fake model.'] }) },
  );
}
