import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_OPENAI_KEY, startFakeOpenAi, type FakeLlmServer } from './server.js';

async function post(fake: FakeLlmServer, body: unknown, key = FAKE_OPENAI_KEY): Promise<Response> {
  return fetch(`${fake.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The `data:` payloads of an SSE body, in order. */
async function dataLines(response: Response): Promise<string[]> {
  const text = await response.text();
  return text.split('\n\n').filter(Boolean).map((block) => {
    expect(block.startsWith('data: ')).toBe(true);
    return block.slice('data: '.length);
  });
}

const chat = { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } };

describe('fake OpenAI server', () => {
  let fake: FakeLlmServer;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
  });
  afterAll(() => fake.close());

  it('streams chunks as OpenAI does: role, content, tool fragments, finish, usage, [DONE]', async () => {
    fake.enqueue({
      text: ['Hi', '!'],
      toolCalls: [{ id: 'call_1', name: 'lookup', argumentPieces: ['{"a"', ':1}'] }],
      usage: { inputTokens: 9, outputTokens: 4 },
    });
    const response = await post(fake, chat);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const lines = await dataLines(response);
    expect(lines.at(-1)).toBe('[DONE]');
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line));
    for (const chunk of chunks) expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'gpt-test', id: chunks[0].id });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta ?? null)).toEqual([
      { role: 'assistant', content: '', refusal: null },
      { content: 'Hi' },
      { content: '!' },
      { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] },
      { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] },
      {},
      null,
    ]);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('merges the role into the first tool fragment when the reply opens with a call', async () => {
    fake.enqueue({ toolCalls: [{ id: 'call_2', name: 'end_call', argumentPieces: ['{}'] }] });
    const chunks = (await dataLines(await post(fake, { ...chat, stream_options: undefined }))).slice(0, -1).map((line) => JSON.parse(line));
    expect(chunks[0].choices[0].delta).toEqual({
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [{ index: 0, id: 'call_2', type: 'function', function: { name: 'end_call', arguments: '' } }],
    });
    // Without include_usage there is no usage chunk and no usage field.
    expect(chunks.every((chunk) => !('usage' in chunk) && chunk.choices.length === 1)).toBe(true);
  });

  it('answers without streaming as one chat.completion', async () => {
    fake.enqueue({ text: ['Hello.'] });
    const body = await (await post(fake, { ...chat, stream: false })).json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.' }, finish_reason: 'stop' }],
      usage: { total_tokens: expect.any(Number) },
    });
  });

  it('refuses a wrong key, an orphan tool message and a missing model with OpenAI error JSON', async () => {
    const wrongKey = await post(fake, chat, 'sk-nope');
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toEqual({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    const orphan = await post(fake, { ...chat, messages: [{ role: 'tool', tool_call_id: 'x', content: 'r' }] });
    expect(orphan.status).toBe(400);
    expect((await orphan.json()).error.message).toContain("role 'tool' must be a response");
    expect((await post(fake, { messages: chat.messages })).status).toBe(400);
  });

  it('plays a scripted HTTP error and records every request', async () => {
    const before = fake.requests.length;
    fake.enqueue({ error: { status: 429 } });
    const response = await post(fake, chat);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await response.json()).error.code).toBe('rate_limit_exceeded');
    expect(fake.requests.length).toBe(before + 1);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: chat });
  });

  it('accepts any key when started keyless, like a local server', async () => {
    const local = await startFakeOpenAi({ apiKey: null });
    try {
      const response = await fetch(`${local.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ ...chat, stream: false }) });
      expect(response.status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('applies server-wide latency to the first token', async () => {
    const slow = await startFakeOpenAi({ firstTokenDelayMs: 60 });
    try {
      const started = Date.now();
      await (await post(slow, chat)).text();
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      await slow.close();
    }
  });
});
