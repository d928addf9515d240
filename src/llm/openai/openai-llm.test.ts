import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_OPENAI_KEY, startFakeOpenAi, type FakeLlmServer } from '../../../test/fakes/openai/server.js';
import { ProviderError } from '../../shared/errors.js';
import { describeLlmContract } from '../contract.js';
import type { LlmEvent, LlmProvider, LlmRequest } from '../types.js';
import { createOpenAiLlm } from './index.js';
import { toChatRequest, ToolCallJoiner } from './protocol.js';
import { openAiLlmOptionsSchema } from './options.js';

describeLlmContract('openai', async () => {
  const fake = await startFakeOpenAi();
  return {
    provider: createOpenAiLlm({ apiKey: FAKE_OPENAI_KEY, baseUrl: fake.baseUrl }),
    fake,
    jsonAnswer: (_name, pieces) => ({ text: pieces }),
    close: () => fake.close(),
  };
});

async function drain(provider: LlmProvider, request: LlmRequest): Promise<LlmEvent[]> {
  const events: LlmEvent[] = [];
  for await (const event of provider.stream(request, new AbortController().signal)) events.push(event);
  return events;
}

async function errorOf(provider: LlmProvider, request: LlmRequest): Promise<ProviderError> {
  try {
    await drain(provider, request);
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('no error');
}

const hello: LlmRequest = { model: 'gpt-test', messages: [{ role: 'user', content: 'Hello?' }] };

describe('OpenAI chat provider on the wire', () => {
  let fake: FakeLlmServer;
  let llm: LlmProvider;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
    llm = createOpenAiLlm({ apiKey: FAKE_OPENAI_KEY, baseUrl: fake.baseUrl, model: 'default-model', timeoutMs: 300 });
  });
  afterAll(() => fake.close());

  it('posts the exact chat completion body with Bearer auth', async () => {
    fake.enqueue({ text: ['Sure.'] });
    await drain(llm, {
      model: 'gpt-test',
      temperature: 0.3,
      maxTokens: 200,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Where is my order?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"id":"7"}' }] },
        { role: 'tool', toolCallId: 'call_1', content: '{"status":"shipped"}' },
        { role: 'assistant', content: 'It has shipped.' },
        { role: 'user', content: 'Thanks.' },
      ],
      tools: [{ name: 'lookup', description: 'Finds an order.', parameters: { type: 'object', properties: { id: { type: 'string' } } } }],
    });
    const sent = fake.requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers['authorization']).toBe(`Bearer ${FAKE_OPENAI_KEY}`);
    expect(sent.headers['content-type']).toContain('application/json');
    expect(sent.body).toEqual({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Where is my order?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"id":"7"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"status":"shipped"}' },
        { role: 'assistant', content: 'It has shipped.' },
        { role: 'user', content: 'Thanks.' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Finds an order.', parameters: { type: 'object', properties: { id: { type: 'string' } } } } }],
      temperature: 0.3,
      // A compatible server (not api.openai.com) gets the field every server knows.
      max_tokens: 200,
    });
  });

  it('asks for structured output through response_format json_schema', async () => {
    fake.enqueue({ text: ['{"ok":true}'] });
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
    await drain(llm, { ...hello, jsonSchema: { name: 'verdict', schema } });
    expect(fake.requests.at(-1)!.body).toMatchObject({ response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema } } });
  });

  it('uses the default model when a request names none', async () => {
    fake.enqueue({ text: ['Hi.'] });
    await drain(llm, { ...hello, model: '' });
    expect(fake.requests.at(-1)!.body).toMatchObject({ model: 'default-model' });
  });

  it('never retries inside the SDK: one failed request is one request', async () => {
    const before = fake.requests.length;
    fake.enqueue({ error: { status: 503 } });
    const error = await errorOf(llm, hello);
    expect(error).toMatchObject({ category: 'server', retryable: true, statusCode: 503 });
    expect(fake.requests.length).toBe(before + 1);
  });

  it('tells an exhausted quota (429 insufficient_quota) from a rate limit', async () => {
    fake.enqueue({ error: { status: 429, type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your current quota.' } });
    const error = await errorOf(llm, hello);
    expect(error).toMatchObject({ category: 'quota', retryable: false, statusCode: 429 });
  });

  it('maps an error event inside the stream to a server error, after the text before it', async () => {
    fake.enqueue({ text: ['Partial'], streamError: { afterPieces: 1, type: 'server_error' } });
    const events: LlmEvent[] = [];
    let caught: unknown;
    try {
      for await (const event of llm.stream(hello, new AbortController().signal)) events.push(event);
    } catch (error) {
      caught = error;
    }
    expect(events).toEqual([{ type: 'text', text: 'Partial' }]);
    expect(caught).toMatchObject({ name: 'ProviderError', category: 'server', retryable: true });
  });

  it('times out a server that never answers as a connectivity error', async () => {
    fake.enqueue({ text: ['late'], headersDelayMs: 2000 });
    const error = await errorOf(llm, hello);
    expect(error).toMatchObject({ category: 'connectivity', retryable: true });
    expect(error.message).not.toContain(FAKE_OPENAI_KEY);
  });

  it('refuses a wrong key as a permanent auth error whose message holds no key', async () => {
    const wrong = createOpenAiLlm({ apiKey: 'sk-wrong-key-123', baseUrl: fake.baseUrl });
    const error = await errorOf(wrong, hello);
    expect(error).toMatchObject({ category: 'auth', retryable: false, statusCode: 401 });
    expect(error.message).not.toContain('sk-wrong-key-123');
  });

  it('reports a length finish when the model ran out of tokens', async () => {
    fake.enqueue({ text: ['Cut'], finishReason: 'length' });
    const events = await drain(llm, hello);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'length' });
  });
});

describe('OpenAI-compatible local servers', () => {
  it('talks to a keyless server (Ollama, llama.cpp) with a placeholder key', async () => {
    const local = await startFakeOpenAi({ apiKey: null });
    try {
      const llm = createOpenAiLlm({ apiKey: 'not-needed', baseUrl: local.baseUrl });
      local.enqueue({ text: ['Local', ' hello.'] });
      const events = await drain(llm, hello);
      expect(events.filter((event) => event.type === 'text').map((event) => (event as { text: string }).text).join('')).toBe('Local hello.');
    } finally {
      await local.close();
    }
  });
});

describe('chat request mapping', () => {
  it('sends max_completion_tokens to OpenAI itself', () => {
    const options = openAiLlmOptionsSchema.parse({ apiKey: 'k' });
    expect(toChatRequest({ ...hello, maxTokens: 50 }, options)).toMatchObject({ max_completion_tokens: 50 });
    expect(toChatRequest({ ...hello, maxTokens: 50 }, options)).not.toHaveProperty('max_tokens');
  });

  it('joins fragments by index, including servers that repeat index 0 with new ids', () => {
    const joiner = new ToolCallJoiner();
    joiner.add({ index: 0, id: 'a', type: 'function', function: { name: 'first', arguments: '' } });
    joiner.add({ index: 1, id: 'b', type: 'function', function: { name: 'second', arguments: '{"x"' } });
    joiner.add({ index: 0, function: { arguments: '{}' } });
    joiner.add({ index: 1, function: { arguments: ':1}' } });
    joiner.add({ index: 0, id: 'c', type: 'function', function: { name: 'third', arguments: '{"y":2}' } });
    expect(joiner.drain()).toEqual([
      { id: 'a', name: 'first', arguments: '{}' },
      { id: 'b', name: 'second', arguments: '{"x":1}' },
      { id: 'c', name: 'third', arguments: '{"y":2}' },
    ]);
    expect(joiner.size).toBe(0);
  });

  it('fills a missing id and empty arguments', () => {
    const joiner = new ToolCallJoiner();
    joiner.add({ index: 0, function: { name: 'end_call' } });
    expect(joiner.drain()).toEqual([{ id: 'call_0', name: 'end_call', arguments: '{}' }]);
  });
});
