/**
 * A protocol-faithful fake of an OpenAI-compatible chat completions server: POST
 * /v1/chat/completions with Bearer auth, answered as `text/event-stream` chat.completion.chunk
 * lines ending `data: [DONE]` (or one chat.completion JSON when not streaming), scripted per request.
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
} from './fake-llm-base.js';

export type { FakeLlmScript, FakeLlmServer, RecordedLlmRequest } from './fake-llm-base.js';

/** The default key the fake accepts. */
export const FAKE_OPENAI_KEY = 'sk-fake-openai-key';

const errorDefaults: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Country not supported.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded.' },
};

/** OpenAI's error JSON for a status. */
export function openAiErrorBody(error: FakeHttpError): { error: { message: string; type: string; param: null; code: string | null } } {
  const fallback = errorDefaults[error.status] ?? errorDefaults[error.status >= 500 ? 500 : 400]!;
  return {
    error: {
      message: error.message ?? fallback.message,
      type: error.type ?? fallback.type,
      param: null,
      code: error.code === undefined ? fallback.code : error.code,
    },
  };
}

function sendError(res: ServerResponse, error: FakeHttpError): void {
  const headers: Record<string, string> = { 'x-request-id': `req_${randomBytes(8).toString('hex')}` };
  if (error.status === 429) headers['retry-after'] = '1';
  sendJson(res, error.status, openAiErrorBody(error), headers);
}

interface ChatBody {
  model: string;
  messages: Array<Record<string, unknown>>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

/** The checks the real service makes that catch client bugs; null when the body is acceptable. */
function invalidBody(body: unknown): string | null {
  if (!body || typeof body !== 'object') return 'We could not parse the JSON body of your request.';
  const chat = body as Partial<ChatBody>;
  if (typeof chat.model !== 'string' || chat.model === '') return 'you must provide a model parameter';
  if (!Array.isArray(chat.messages) || chat.messages.length === 0) return "'messages' must contain at least one message.";
  let openToolCalls = new Set<string>();
  for (const [index, message] of chat.messages.entries()) {
    const role = message['role'];
    if (role === 'tool') {
      const id = message['tool_call_id'];
      if (typeof id !== 'string' || !openToolCalls.has(id)) {
        return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. (messages[${index}])`;
      }
      continue;
    }
    if (!['system', 'developer', 'user', 'assistant'].includes(String(role))) return `Invalid value for messages[${index}].role.`;
    openToolCalls = new Set<string>();
    if (role === 'assistant' && Array.isArray(message['tool_calls'])) {
      for (const call of message['tool_calls'] as Array<{ id?: unknown; function?: { arguments?: unknown } }>) {
        if (typeof call.id === 'string') openToolCalls.add(call.id);
        if (typeof call.function?.arguments !== 'string') return `messages[${index}].tool_calls[].function.arguments must be a string.`;
      }
    } else if (typeof message['content'] !== 'string') {
      return `Invalid type for messages[${index}].content: expected a string.`;
    }
  }
  return null;
}

function finishReasonOf(script: FakeLlmScript): string {
  return script.finishReason ?? ((script.toolCalls?.length ?? 0) > 0 ? 'tool_calls' : 'stop');
}

function usageOf(script: FakeLlmScript, request: RecordedLlmRequest): Record<string, unknown> {
  const output = [...(script.text ?? []), ...(script.toolCalls ?? []).flatMap((call) => call.argumentPieces)].join('');
  const prompt = script.usage?.inputTokens ?? roughTokens(JSON.stringify(request.body ?? ''));
  const completion = script.usage?.outputTokens ?? roughTokens(output);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

const toolId = (): string => `call_${randomBytes(12).toString('base64url')}`;

function sendCompletion(res: ServerResponse, request: RecordedLlmRequest, body: ChatBody, script: FakeLlmScript): void {
  const toolCalls = (script.toolCalls ?? []).map((call) => ({
    id: call.id ?? toolId(),
    type: 'function',
    function: { name: call.name, arguments: call.argumentPieces.join('') },
  }));
  const text = (script.text ?? []).join('');
  sendJson(res, 200, {
    id: `chatcmpl-${randomBytes(12).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          annotations: [],
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReasonOf(script),
      },
    ],
    usage: usageOf(script, request),
    service_tier: 'default',
    system_fingerprint: 'fp_fake0001',
  });
}

async function sendStream(res: ServerResponse, request: RecordedLlmRequest, body: ChatBody, script: FakeLlmScript): Promise<void> {
  const includeUsage = body.stream_options?.include_usage === true;
  const base = {
    id: `chatcmpl-${randomBytes(12).toString('base64url')}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    service_tier: 'default',
    system_fingerprint: 'fp_fake0001',
  };
  const write = (choices: unknown[], usage: unknown = null): void => {
    res.write(`data: ${JSON.stringify({ ...base, choices, ...(includeUsage ? { usage } : {}) })}\n\n`);
  };
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });
  const pieces = scriptPieces(script, toolId);
  startEventStream(res, { 'x-request-id': `req_${randomBytes(8).toString('hex')}` });
  await pause(script.firstTokenDelayMs ?? 0, res);
  // OpenAI opens with the role; a reply that starts with a tool call carries its first fragment along.
  const opensWithTool = pieces[0]?.kind === 'tool_start';
  if (!opensWithTool) write([choice({ role: 'assistant', content: '', refusal: null })]);

  for (let index = 0; index <= pieces.length; index++) {
    if (script.streamError?.afterPieces === index) {
      const { type, message } = script.streamError;
      res.end(`data: ${JSON.stringify(openAiErrorBody({ status: 500, type, message }))}\n\n`);
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
    const role = index === 0 && opensWithTool ? { role: 'assistant', content: null, refusal: null } : {};
    if (piece.kind === 'text') write([choice({ content: piece.text })]);
    else if (piece.kind === 'tool_start') {
      const fragment = { index: piece.callIndex, id: piece.id, type: 'function', function: { name: piece.name, arguments: '' } };
      write([choice({ ...role, tool_calls: [fragment] })]);
    } else write([choice({ tool_calls: [{ index: piece.callIndex, function: { arguments: piece.text } }] })]);
    request.timing.firstPieceAt ??= performance.now();
  }
  write([choice({}, finishReasonOf(script))]);
  if (includeUsage) write([], usageOf(script, request));
  res.end('data: [DONE]\n\n');
}

/** Starts the fake on 127.0.0.1:0; its `baseUrl` ends in `/v1`, as the SDK's `baseURL` does. */
export function startFakeOpenAi(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const apiKey = options.apiKey === undefined ? FAKE_OPENAI_KEY : options.apiKey;
  return startFakeLlmServer(
    async (request, res, nextScript) => {
      const path = request.path.split('?')[0];
      if (request.method !== 'POST' || path !== '/v1/chat/completions') {
        sendError(res, { status: 404, code: 'unknown_url', message: `Unknown request URL: ${request.method} ${path}.` });
        return;
      }
      const auth = request.headers['authorization'];
      if (apiKey !== null && auth !== `Bearer ${apiKey}`) {
        const message = auth ? 'Incorrect API key provided.' : "You didn't provide an API key.";
        sendError(res, { status: 401, code: auth ? 'invalid_api_key' : null, message });
        return;
      }
      const problem = invalidBody(request.body);
      if (problem) {
        sendError(res, { status: 400, message: problem });
        return;
      }
      const body = request.body as ChatBody;
      const script = await nextScript();
      await pause(script.headersDelayMs ?? 0, res);
      if (res.destroyed) return;
      if (script.error) sendError(res, script.error);
      else if (body.stream === true) await sendStream(res, request, body, script);
      else sendCompletion(res, request, body, script);
    },
    { ...options, basePath: '/v1', defaultHandler: () => ({ text: ['Hello', ' from the fake model.'] }) },
  );
}
