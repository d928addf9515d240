import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ANTHROPIC_KEY, startFakeAnthropic } from './server.js';
import type { FakeLlmServer } from '../openai/fake-llm-base.js';

const body = { model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true };

async function post(fake: FakeLlmServer, payload: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fake.baseUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': FAKE_ANTHROPIC_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
}

/** [event name, parsed data] pairs of an SSE body. */
async function events(response: Response): Promise<Array<[string, Record<string, unknown>]>> {
  const text = await response.text();
  return text.split('\n\n').filter(Boolean).map((block) => {
    const [eventLine, dataLine] = block.split('\n');
    expect(eventLine).toMatch(/^event: /);
    const data = JSON.parse(dataLine!.slice('data: '.length)) as Record<string, unknown>;
    const name = eventLine!.slice('event: '.length);
    expect(data['type']).toBe(name);
    return [name, data];
  });
}

describe('fake Anthropic server', () => {
  let fake: FakeLlmServer;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
  });
  afterAll(() => fake.close());

  it('streams the Messages event sequence with text and tool_use blocks', async () => {
    fake.enqueue({ text: ['Hi', '!'], toolCalls: [{ id: 'toolu_1', name: 'lookup', argumentPieces: ['{"a"', ':1}'] }], usage: { inputTokens: 12, outputTokens: 5 } });
    const sequence = await events(await post(fake, body));
    expect(sequence.map(([name]) => name)).toEqual([
      'message_start',
      'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    expect(sequence[0]![1]).toMatchObject({ message: { role: 'assistant', content: [], stop_reason: null, usage: { input_tokens: 12 } } });
    expect(sequence[3]![1]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } });
    expect(sequence[6]![1]).toMatchObject({ index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} } });
    expect(sequence.slice(7, 10).map(([, data]) => (data['delta'] as { partial_json: string }).partial_json)).toEqual(['', '{"a"', ':1}']);
    expect(sequence[11]![1]).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 5 } });
  });

  it('sends an error event mid-stream when scripted', async () => {
    fake.enqueue({ text: ['a', 'b'], streamError: { afterPieces: 1, type: 'overloaded_error', message: 'Overloaded' } });
    const sequence = await events(await post(fake, body));
    expect(sequence.at(-1)).toEqual(['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
  });

  it('takes the key as x-api-key or as a Bearer token, and requires anthropic-version', async () => {
    fake.enqueue({ text: ['x'] }, { text: ['y'] });
    expect((await post(fake, { ...body, stream: false })).status).toBe(200);
    expect((await post(fake, { ...body, stream: false }, { 'x-api-key': '', authorization: `Bearer ${FAKE_ANTHROPIC_KEY}` })).status).toBe(200);
    const noVersion = await post(fake, body, { 'anthropic-version': '' });
    expect(noVersion.status).toBe(400);
    const wrong = await post(fake, body, { 'x-api-key': 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('refuses what the API refuses: a tool_result without its tool_use, empty text, no max_tokens', async () => {
    const orphan = await post(fake, { ...body, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }] });
    expect(orphan.status).toBe(400);
    expect((await orphan.json()).error.message).toContain('tool_use_id');
    expect((await post(fake, { ...body, messages: [{ role: 'user', content: '' }] })).status).toBe(400);
    expect((await post(fake, { ...body, max_tokens: undefined })).status).toBe(400);
  });

  it('plays 529 overloaded_error as Anthropic does', async () => {
    fake.enqueue({ error: { status: 529 } });
    const response = await post(fake, body);
    expect(response.status).toBe(529);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
});
