import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_ANTHROPIC_KEY, startFakeAnthropic } from '../../test/fakes/anthropic/server.js';
import { FAKE_OPENAI_KEY, startFakeOpenAi, type FakeLlmServer } from '../../test/fakes/openai/server.js';
import { ProviderError } from '../shared/errors.js';
import { LlmChains } from './fallback.js';
import { resolveLlm, type AgentLlmSettings, type LlmServerDefaults } from './registry.js';
import type { LlmEvent, LlmProvider, LlmRequest } from './types.js';

const hello: LlmRequest = { model: 'ignored', messages: [{ role: 'user', content: 'Hello?' }] };
const agent: AgentLlmSettings = { model: 'gpt-test', fallback: [{ provider: 'anthropic', model: 'claude-test' }] };

async function say(provider: LlmProvider, signal = new AbortController().signal): Promise<string> {
  let text = '';
  for await (const event of provider.stream(hello, signal)) if (event.type === 'text') text += event.text;
  return text;
}

async function failure(provider: LlmProvider): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const event of provider.stream(hello, new AbortController().signal) as AsyncIterable<LlmEvent>) if (event.type === 'text') text += event.text;
  } catch (error) {
    return { text, error };
  }
  throw new Error('the stream ended without an error');
}

describe('LLM fallback chain against the OpenAI and Anthropic fakes', () => {
  let openai: FakeLlmServer;
  let anthropic: FakeLlmServer;
  let defaults: LlmServerDefaults;
  let now = 0;
  let chains: LlmChains;
  const resolve = (settings: AgentLlmSettings = agent): LlmProvider => {
    const resolution = resolveLlm(settings, defaults, chains);
    if (!resolution.ok) throw new Error(resolution.message);
    return resolution.provider;
  };

  beforeAll(async () => {
    [openai, anthropic] = await Promise.all([startFakeOpenAi(), startFakeAnthropic()]);
    defaults = { openaiApiKey: FAKE_OPENAI_KEY, openaiBaseUrl: openai.baseUrl, anthropicApiKey: FAKE_ANTHROPIC_KEY, anthropicBaseUrl: anthropic.baseUrl };
  });
  afterAll(async () => {
    await Promise.all([openai.close(), anthropic.close()]);
  });
  beforeEach(() => {
    now = 0;
    chains = new LlmChains({ now: () => now, cooldownMs: 30_000, firstEventTimeoutMs: 400 });
  });

  const requestsTo = (fake: FakeLlmServer) => fake.requests.length;

  it('answers from the agent\'s own model while it works, asking it for its own model', async () => {
    const before = requestsTo(anthropic);
    openai.enqueue({ text: ['Hi ', 'there.'] });
    expect(await say(resolve())).toBe('Hi there.');
    expect((openai.requests.at(-1)!.body as { model: string }).model).toBe('gpt-test');
    expect(requestsTo(anthropic)).toBe(before);
  });

  it('hands a request the first model refused with a 503 to the next, remembers the outage across calls, and probes the model back after its cool-down', async () => {
    openai.enqueue({ error: { status: 503 } });
    anthropic.enqueue({ text: ['From ', 'Claude.'] });
    expect(await say(resolve())).toBe('From Claude.');
    expect((anthropic.requests.at(-1)!.body as { model: string }).model).toBe('claude-test');

    // A new call during the cool-down starts on the model that works: OpenAI is not asked.
    const openAiBefore = requestsTo(openai);
    anthropic.enqueue({ text: ['Still Claude.'] });
    expect(await say(resolve())).toBe('Still Claude.');
    expect(requestsTo(openai)).toBe(openAiBefore);

    // After the cool-down one call probes OpenAI in its own place; its success restores it.
    now += 30_001;
    openai.enqueue({ text: ['OpenAI is back.'] });
    expect(await say(resolve())).toBe('OpenAI is back.');
    openai.enqueue({ text: ['And first again.'] });
    expect(await say(resolve())).toBe('And first again.');
  });

  it('moves on when the first model sends no token in time', async () => {
    openai.enqueue({ stallAfterPieces: 0 });
    anthropic.enqueue({ text: ['Quick answer.'] });
    expect(await say(resolve())).toBe('Quick answer.');
  });

  it('does not fall back on an error a next model would not fix (a wrong key is permanent)', async () => {
    const before = requestsTo(anthropic);
    openai.enqueue({ error: { status: 401 } });
    const { error } = await failure(resolve());
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).category).toBe('auth');
    expect(requestsTo(anthropic)).toBe(before);
  });

  it('keeps an answer that already started with its model: a failure after the first token is the caller\'s', async () => {
    const before = requestsTo(anthropic);
    openai.enqueue({ text: ['Half ', 'an ', 'answer'], disconnectAfterPieces: 2 });
    const { text, error } = await failure(resolve());
    expect(text).toBe('Half an ');
    expect(error).toBeInstanceOf(ProviderError);
    expect(requestsTo(anthropic)).toBe(before);
  });

  it('stops at once when the caller aborts, without trying the next model', async () => {
    const before = requestsTo(anthropic);
    openai.enqueue({ stallAfterPieces: 0 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(say(resolve(), controller.signal)).rejects.toBeDefined();
    expect(requestsTo(anthropic)).toBe(before);
  });

  it('throws the last model\'s error when every model fails', async () => {
    openai.enqueue({ error: { status: 500 } });
    anthropic.enqueue({ error: { status: 529, type: 'overloaded_error' } });
    const { error } = await failure(resolve());
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('anthropic');
  });

  it('refuses a chain whose fallback cannot be resolved, naming the entry', () => {
    const resolution = resolveLlm({ model: 'gpt-test', fallback: [{ provider: 'anthropic', model: 'claude-test' }] }, { openaiApiKey: FAKE_OPENAI_KEY }, chains);
    expect(resolution.ok).toBe(false);
    if (resolution.ok) return;
    expect(resolution.message).toContain('llm.fallback[0]');
    expect(resolution.missing).toEqual(['ANTHROPIC_API_KEY (server) or llm.fallback[0].api_key (agent)']);
  });

  it('keeps one chain, and its memory, per set of models and keys', () => {
    expect(resolve()).toBe(resolve());
    expect(resolve({ ...agent, fallback: [{ provider: 'anthropic', model: 'claude-other' }] })).not.toBe(resolve());
  });
});
