import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ANTHROPIC_KEY, startFakeAnthropic, type FakeLlmServer } from '../../../test/fakes/anthropic/server.js';
import { ProviderError } from '../../shared/errors.js';
import { describeLlmContract } from '../contract.js';
import type { LlmEvent, LlmProvider, LlmRequest } from '../types.js';
import { createAnthropicLlm } from './index.js';
import { toMessages } from './protocol.js';

describeLlmContract('anthropic', async () => {
  const fake = await startFakeAnthropic();
  return {
    provider: createAnthropicLlm({ apiKey: FAKE_ANTHROPIC_KEY, baseUrl: fake.baseUrl }),
    fake,
    // Anthropic answers a schema request through the forced tool's input.
    jsonAnswer: (name, pieces) => ({ toolCalls: [{ name, argumentPieces: pieces }] }),
    close: () => fake.close(),
  };
});

async function drain(provider: LlmProvider, request: LlmRequest): Promise<LlmEvent[]> {
  const events: LlmEvent[] = [];
  for await (const event of provider.stream(request, new AbortController().signal)) events.push(event);
  return events;
}

async function errorOf(provider: LlmProvider, request: LlmRequest): Promise<{ events: LlmEvent[]; error: ProviderError }> {
  const events: LlmEvent[] = [];
  try {
    for await (const event of provider.stream(request, new AbortController().signal)) events.push(event);
  } catch (error) {
    if (error instanceof ProviderError) return { events, error };
    throw error;
  }
  throw new Error('no error');
}

const hello: LlmRequest = { model: 'claude-test', messages: [{ role: 'user', content: 'Hello?' }] };

describe('Anthropic provider on the wire', () => {
  let fake: FakeLlmServer;
  let llm: LlmProvider;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
    llm = createAnthropicLlm({ apiKey: FAKE_ANTHROPIC_KEY, baseUrl: fake.baseUrl, model: 'default-claude' });
  });
  afterAll(() => fake.close());

  it('posts the Messages body with the system prompt apart and tool results in a user turn', async () => {
    fake.enqueue({ text: ['Sure.'] });
    await drain(llm, {
      model: 'claude-test',
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Where is my order?' },
        { role: 'assistant', content: 'Let me look.', toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: '{"id":"7"}' }] },
        { role: 'tool', toolCallId: 'toolu_1', content: '{"status":"shipped"}' },
        { role: 'user', content: 'And?' },
      ],
      tools: [{ name: 'lookup', description: 'Finds an order.', parameters: { type: 'object', properties: { id: { type: 'string' } } } }],
    });
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // SDK 1.x sends the key as a Bearer token; the API also takes x-api-key.
    expect(sent.headers['x-api-key'] ?? sent.headers['authorization']?.replace('Bearer ', '')).toBe(FAKE_ANTHROPIC_KEY);
    expect(sent.body).toEqual({
      model: 'claude-test',
      max_tokens: 1024,
      stream: true,
      system: 'Be brief.',
      temperature: 0.2,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Where is my order?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me look.' },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { id: '7' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"status":"shipped"}' },
            { type: 'text', text: 'And?' },
          ],
        },
      ],
      tools: [{ name: 'lookup', description: 'Finds an order.', input_schema: { type: 'object', properties: { id: { type: 'string' } } } }],
    });
  });

  it('forces a tool call of the schema for structured output', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    fake.enqueue({ toolCalls: [{ name: 'verdict', argumentPieces: ['{"ok":', 'false}'] }] });
    const events = await drain(llm, { ...hello, maxTokens: 64, jsonSchema: { name: 'verdict', schema } });
    expect(fake.requests.at(-1)!.body).toMatchObject({
      max_tokens: 64,
      tools: [{ name: 'verdict', input_schema: schema }],
      tool_choice: { type: 'tool', name: 'verdict' },
    });
    expect(events.some((event) => event.type === 'tool_call')).toBe(false);
  });

  it('uses the default model when a request names none', async () => {
    fake.enqueue({ text: ['Hi.'] });
    await drain(llm, { ...hello, model: '' });
    expect(fake.requests.at(-1)!.body).toMatchObject({ model: 'default-claude' });
  });

  it('reports input tokens from message_start and output tokens from message_delta', async () => {
    fake.enqueue({ text: ['Hi.'], usage: { inputTokens: 40, outputTokens: 6 } });
    const events = await drain(llm, hello);
    expect(events.slice(-2)).toEqual([
      { type: 'usage', inputTokens: 40, outputTokens: 6 },
      { type: 'done', finishReason: 'stop' },
    ]);
  });

  it('treats 529 overloaded_error as a retryable server error, with one request only', async () => {
    const before = fake.requests.length;
    fake.enqueue({ error: { status: 529 } });
    const { error } = await errorOf(llm, hello);
    expect(error).toMatchObject({ category: 'server', retryable: true, statusCode: 529 });
    expect(fake.requests.length).toBe(before + 1);
  });

  it('maps an overloaded_error event inside the stream after the text before it', async () => {
    fake.enqueue({ text: ['Partial'], streamError: { afterPieces: 1, type: 'overloaded_error', message: 'Overloaded' } });
    const { events, error } = await errorOf(llm, hello);
    expect(events).toEqual([{ type: 'text', text: 'Partial' }]);
    expect(error).toMatchObject({ category: 'server', retryable: true });
  });

  it('maps a billing error to a permanent quota error', async () => {
    fake.enqueue({ error: { status: 402 } });
    const { error } = await errorOf(llm, hello);
    expect(error).toMatchObject({ category: 'quota', retryable: false, statusCode: 402 });
  });

  it('reports max_tokens as a length finish', async () => {
    fake.enqueue({ text: ['Cut'], finishReason: 'max_tokens' });
    const events = await drain(llm, hello);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'length' });
  });
});

describe('Messages mapping', () => {
  it('drops empty text, which the API refuses, and merges neighbouring turns of one role', () => {
    expect(toMessages([
      { role: 'system', content: 'A' },
      { role: 'system', content: 'B' },
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: '' },
      { role: 'assistant', content: 'three', toolCalls: [{ id: 't', name: 'x', arguments: 'not json' }] },
      { role: 'tool', toolCallId: 't', content: 'r' },
    ])).toEqual({
      system: 'A\n\nB',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'three' }, { type: 'tool_use', id: 't', name: 'x', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'r' }] },
      ],
    });
  });
});
