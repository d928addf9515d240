import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeLlmServer } from '../../test/fakes/openai/server.js';
import { agentLlmSettings, llmProviders, PLACEHOLDER_API_KEY, resolveLlm, type LlmResolution } from './registry.js';

function configured(resolution: LlmResolution): Extract<LlmResolution, { ok: true }> {
  if (!resolution.ok) throw new Error(resolution.message);
  return resolution;
}

async function say(resolution: LlmResolution): Promise<string> {
  let text = '';
  const { provider, model } = configured(resolution);
  for await (const event of provider.stream({ model, messages: [{ role: 'user', content: 'hi' }] }, new AbortController().signal)) {
    if (event.type === 'text') text += event.text;
  }
  return text;
}

describe('resolveLlm', () => {
  it('names what to set when nothing is configured', () => {
    const resolution = resolveLlm(undefined, {});
    expect(resolution).toMatchObject({ ok: false, providerName: 'openai' });
    if (resolution.ok) return;
    expect(resolution.message).toContain('OPENAI_API_KEY');
    expect(resolution.message).toContain('llm.api_key');
  });

  it('uses the server key and the vendor default model for a plain agent', () => {
    const resolution = configured(resolveLlm({}, { openaiApiKey: 'sk-server' }));
    expect(resolution).toMatchObject({ providerName: 'openai', model: 'gpt-4o-mini' });
    expect(resolution.provider.id).toBe('openai');
  });

  it('prefers the server default model, then the agent model', () => {
    expect(configured(resolveLlm({}, { openaiApiKey: 'k', defaultModel: 'gpt-4.1' })).model).toBe('gpt-4.1');
    expect(configured(resolveLlm({ model: 'gpt-x' }, { openaiApiKey: 'k', defaultModel: 'gpt-4.1' })).model).toBe('gpt-x');
  });

  it('picks Anthropic when only its key is set, or when the model is a Claude', () => {
    expect(configured(resolveLlm({}, { anthropicApiKey: 'a' }))).toMatchObject({ providerName: 'anthropic', model: 'claude-haiku-4-5' });
    expect(configured(resolveLlm({ model: 'claude-sonnet-4-5' }, { openaiApiKey: 'o', anthropicApiKey: 'a' }))).toMatchObject({
      providerName: 'anthropic',
      model: 'claude-sonnet-4-5',
    });
    expect(configured(resolveLlm({}, { openaiApiKey: 'o', anthropicApiKey: 'a', defaultModel: 'claude-opus-4-5' })).providerName).toBe('anthropic');
  });

  it('does not hand an OpenAI model name to Anthropic', () => {
    const resolution = configured(resolveLlm({ provider: 'anthropic' }, { anthropicApiKey: 'a', defaultModel: 'gpt-4.1' }));
    expect(resolution.model).toBe('claude-haiku-4-5');
  });

  it('names ANTHROPIC_API_KEY when the agent wants Claude and the server has no key', () => {
    const resolution = resolveLlm({ provider: 'anthropic' }, { openaiApiKey: 'o' });
    expect(resolution.ok).toBe(false);
    if (!resolution.ok) expect(resolution.missing.join()).toContain('ANTHROPIC_API_KEY');
  });

  it('asks for a model when a compatible server has no default to offer', () => {
    const resolution = resolveLlm({ base_url: 'http://127.0.0.1:11434/v1' }, {});
    expect(resolution.ok).toBe(false);
    if (!resolution.ok) {
      expect(resolution.missing).toEqual(['PARLEY_LLM_MODEL (server) or llm.model (agent)']);
    }
  });

  it('keeps the Claude default behind an Anthropic gateway URL', () => {
    const resolution = configured(resolveLlm({}, { anthropicApiKey: 'a', anthropicBaseUrl: 'https://llm-gateway.example.com' }));
    expect(resolution).toMatchObject({ providerName: 'anthropic', model: 'claude-haiku-4-5' });
  });

  it('rejects an unknown provider and a non-http base URL in the settings schema', () => {
    expect(agentLlmSettings.safeParse({ provider: 'mystery' }).success).toBe(false);
    expect(agentLlmSettings.safeParse({ base_url: 'file:///etc/passwd' }).success).toBe(false);
    expect(agentLlmSettings.safeParse({ provider: 'openai', base_url: 'http://localhost:8080/v1', temperature: 0.4 }).success).toBe(true);
    expect(Object.keys(llmProviders)).toEqual(['openai', 'anthropic']);
  });
});

describe('resolveLlm against a local server', () => {
  let local: FakeLlmServer;
  beforeAll(async () => {
    local = await startFakeOpenAi({ apiKey: null });
  });
  afterAll(() => local.close());

  it('treats a server-wide base URL with no key as a keyless local server', async () => {
    const resolution = resolveLlm({}, { openaiBaseUrl: local.baseUrl, defaultModel: 'llama3.2' });
    expect(await say(resolution)).toBe('Hello from the fake model.');
    expect(local.requests.at(-1)!.headers['authorization']).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
    expect(local.requests.at(-1)!.body).toMatchObject({ model: 'llama3.2' });
  });

  it("never sends the server's key to a base URL the agent names", async () => {
    const resolution = resolveLlm({ base_url: local.baseUrl, model: 'qwen' }, { openaiApiKey: 'sk-server-secret' });
    await say(resolution);
    expect(local.requests.at(-1)!.headers['authorization']).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
  });

  it("uses the server's key when the agent names the server's own endpoint", () => {
    expect(resolveLlm({ base_url: 'https://api.openai.com/v1/' }, { openaiApiKey: 'sk-server' }).ok).toBe(true);
  });

  it("sends the agent's own key to its own base URL", async () => {
    const resolution = resolveLlm({ base_url: local.baseUrl, model: 'qwen', api_key: 'sk-agent' }, { openaiApiKey: 'sk-server-secret' });
    await say(resolution);
    expect(local.requests.at(-1)!.headers['authorization']).toBe('Bearer sk-agent');
  });
});
