/**
 * The conversation engine's own overhead: from the callee's final words (a contact turn handed to
 * the engine) to the agent's first sentence being ready to speak, minus the fake model's
 * configured time to first token. Prompt agents run against a local fake OpenAI-compatible
 * server through the real SDK; flow agents need no model.
 */
import { performance } from 'node:perf_hooks';
import { createConversationEngine } from '../src/brain/engine.js';
import type { AgentSpec, ConversationTurn } from '../src/brain/types.js';
import { resolveLlm } from '../src/llm/registry.js';
import { SentenceSplitter } from '../src/llm/sentences.js';
import { flowTemplates } from '../src/brain/flow/templates.js';
import { FAKE_OPENAI_KEY } from '../test/fakes/openai/server.js';
import { startChild } from './_child.js';
import { printTable } from './_table.js';
import { fmt, percentile } from './_stats.js';

const firstTokenDelayMs = Number(process.env.BENCH_LLM_FIRST_TOKEN_MS ?? 40);
/** The fake's gap between chunks: a sentence's end is certain only once the next chunk shows it. */
const chunkDelayMs = 5;
/** The model's own share of the time to the first sentence, subtracted to leave the engine's. */
const modelLatencyMs = firstTokenDelayMs + chunkDelayMs;
const turnsPerConversation = Number(process.env.BENCH_TURNS ?? 20);
/**
 * Between two turns of one conversation the callee speaks and the agent's audio plays: seconds,
 * not zero. Turns of concurrent conversations therefore arrive spread out, as on real lines.
 */
const pauseBetweenTurnsMs = Number(process.env.BENCH_TURN_GAP_MS ?? 3000);

const promptAgent: AgentSpec = {
  id: 'agent_bench', name: 'Bench', prompt: 'You help {{customer_name}} with their order.', greeting: 'Hi {{customer_name}}!',
  firstSpeaker: 'agent', language: 'en-US', variableDefaults: {}, settings: { kind: 'prompt' },
};
const flowAgent: AgentSpec = {
  ...promptAgent, greeting: null, variableDefaults: flowTemplates.appointment_confirmation.variableDefaults,
  settings: { ...flowTemplates.appointment_confirmation.settings },
};

/** Milliseconds from handing the engine a contact turn to the first complete sentence. */
async function timeToFirstSentence(respond: () => AsyncIterable<{ type: string; text?: string }>): Promise<number> {
  const started = performance.now();
  const splitter = new SentenceSplitter();
  let firstAt: number | undefined;
  for await (const event of respond()) {
    if (event.type === 'text' && firstAt === undefined && splitter.push(event.text ?? '').length > 0) firstAt = performance.now();
  }
  if (firstAt === undefined && splitter.flush().length > 0) firstAt = performance.now();
  return (firstAt ?? performance.now()) - started;
}

async function run(kind: 'prompt' | 'flow', concurrency: number, baseUrl: string | undefined, gapMs = pauseBetweenTurnsMs): Promise<number[]> {
  const engine = createConversationEngine({ resolveLlm: (settings) => resolveLlm(settings, { openaiApiKey: FAKE_OPENAI_KEY, openaiBaseUrl: baseUrl, defaultModel: 'gpt-fake' }) });
  const samples: number[] = [];
  const variables = { customer_name: 'Ana', appointment_date: 'Tuesday' };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      // Conversations start at random moments within one gap, like calls answered over time.
      await sleep(Math.random() * gapMs);
      for (let turn = 0; turn < turnsPerConversation; turn++) {
        if (turn > 0) await sleep(gapMs * (0.5 + Math.random()));
        const conversation = engine.open({ agent: kind === 'prompt' ? promptAgent : flowAgent, variables, channel: 'voice' });
        const turns: ConversationTurn[] = [];
        for await (const event of conversation.respond(turns, { type: 'start' }, new AbortController().signal)) {
          if (event.type === 'text') turns.push({ role: 'agent', text: event.text, offsetMs: 0 });
        }
        turns.push({ role: 'contact', text: kind === 'prompt' ? 'Where is my order?' : 'Yes, that works for me.', offsetMs: 1000 });
        const ms = await timeToFirstSentence(() => conversation.respond(turns, { type: 'contact_turn' }, new AbortController().signal));
        samples.push(kind === 'prompt' ? ms - modelLatencyMs : ms);
      }
    }),
  );
  return samples;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function main(): Promise<void> {
  const fake = await startChild<{ baseUrl: string }>('./_fake-openai-process.ts', { FAKE_FIRST_TOKEN_MS: String(firstTokenDelayMs) });
  const rows: (string | number)[][] = [];
  try {
    // Warm-up (not counted): module JIT, the SDK's first connection, the flow's date parser.
    for (const kind of ['prompt', 'flow'] as const) await run(kind, 4, fake.ready.baseUrl, 0);
    for (const kind of ['prompt', 'flow'] as const) {
      for (const concurrency of [1, 200]) {
        const started = performance.now();
        const samples = await run(kind, concurrency, fake.ready.baseUrl);
        rows.push([
          kind === 'prompt' ? `prompt agent (fake LLM: ${firstTokenDelayMs} ms first token + ${chunkDelayMs} ms to the next)` : 'flow agent (no LLM)',
          concurrency, samples.length, fmt(percentile(samples, 50)), fmt(percentile(samples, 99)), fmt((performance.now() - started) / 1000, 1),
        ]);
      }
    }
  } finally {
    await fake.stop();
  }
  printTable(
    `Engine overhead: callee finished speaking -> first sentence ready (model latency subtracted; ${turnsPerConversation} turns per conversation, ~${pauseBetweenTurnsMs / 1000} s apart)`,
    ['agent', 'concurrent conversations', 'turns', 'p50 ms', 'p99 ms', 'wall s'],
    rows,
  );
}
