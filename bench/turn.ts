/**
 * `npm run bench -- turn`: how long the voice pipeline itself adds to an agent's reaction time.
 * Each call runs the production stack over loopback: Deepgram's live STT client against the
 * Deepgram fake, the prompt engine and OpenAI client against the fake OpenAI server, ElevenLabs'
 * client against the ElevenLabs fake, on a line paced like Twilio. The callee's line knows when
 * its speech really ended (the first silent frame it delivered); the first agent frame coming
 * back to the line ends the measurement. What the fakes were told to take is subtracted:
 * the STT's endpointing (300 ms of silence), the model's time to first token and the TTS's time
 * to first byte. What is left is the pipeline's own overhead (and the fakes' real work).
 *
 *   --calls 10      concurrent calls     --turns 15    agent turns measured per call
 *   --llm-ms 60     the model's time to first token
 *   --tts-ms 40     the TTS's time to first byte
 */
import type { AgentSpec } from '../src/brain/types.js';
import { createConversationEngine } from '../src/brain/engine.js';
import { LineTicker, PacedLine } from '../src/telephony/sim/audio/paced-line.js';
import { encodeScriptedSpeech } from '../src/voice/audio/scripted-speech.js';
import { resolveLlm } from '../src/voice/llm/registry.js';
import { realClock } from '../src/voice/session/clock.js';
import { percentile } from '../src/voice/session/latency.js';
import { FramePacer } from '../src/voice/session/pacer.js';
import { SpeechProviders } from '../src/voice/session/providers.js';
import { VoiceSession } from '../src/voice/session/session.js';
import { resolveVoiceSettings } from '../src/voice/session/settings.js';
import { FAKE_OPENAI_KEY } from '../test/fakes/openai/server.js';
import { startChild } from './_child.js';
import { printTable } from './_table.js';

/** Deepgram's endpointing as the client asks for it (the provider's default). */
const endpointingMs = 300;
const question = encodeScriptedSpeech('Can you book it?');

const agent: AgentSpec = {
  id: 'agent_bench', name: 'Bench', prompt: 'You book appointments. Answer in one short sentence.', greeting: 'Hello.',
  firstSpeaker: 'agent', language: 'en-US', variableDefaults: {}, settings: {},
};

interface Turn {
  /** Wall time the callee's speech ended. */
  readonly endedAt: number;
  firstAudioAt?: number;
}

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
}

function stats(values: number[]): [string, string, string] {
  const sorted = [...values].sort((a, b) => a - b);
  return [percentile(sorted, 50).toFixed(1), percentile(sorted, 99).toFixed(1), (sorted.at(-1) ?? Number.NaN).toFixed(1)];
}

interface RunResult {
  readonly measured: number[];
  readonly overhead: number[];
  readonly stages: Record<string, number[]>;
}

export async function main(args: string[]): Promise<void> {
  const calls = option(args, 'calls', 10);
  const turnsPerCall = option(args, 'turns', 15);
  const llmMs = option(args, 'llm-ms', 60);
  const ttsMs = option(args, 'tts-ms', 40);
  // A short unmeasured run first: JIT, the clients' first connections and lazy imports are not the pipeline.
  await run({ calls: 2, turnsPerCall: 3, llmMs, ttsMs });
  const { measured, overhead, stages } = await run({ calls, turnsPerCall, llmMs, ttsMs });
  printTable(
    `End of the callee's speech to the agent's first audio frame: ${calls} concurrent calls, ${measured.length} turns (loopback fakes: Deepgram endpointing ${endpointingMs} ms, model first token ${llmMs} ms, TTS first byte ${ttsMs} ms)`,
    ['measure', 'p50 ms', 'p99 ms', 'max ms'],
    [
      ['speech end -> first frame out (total)', ...stats(measured)],
      ['pipeline overhead (total - configured)', ...stats(overhead)],
      ['  STT endpoint after the 300 ms', ...stats(stages.stt!)],
      ['  model request + first token after its delay', ...stats(stages.llm!)],
      ['  first sentence -> TTS first byte after its delay', ...stats(stages.tts!)],
      ['  TTS first byte -> frame out', ...stats(stages.out!)],
    ],
  );
  const p99 = percentile([...overhead].sort((a, b) => a - b), 99);
  process.stdout.write(`Pipeline overhead p99: ${p99.toFixed(1)} ms (goal < 10 ms)\n`);
}

async function run(options: { calls: number; turnsPerCall: number; llmMs: number; ttsMs: number }): Promise<RunResult> {
  const { calls, turnsPerCall, llmMs, ttsMs } = options;
  // The vendors' fakes run in their own process, so their work is not counted as the pipeline's.
  const fakes = await startChild<{ deepgram: { apiKey: string; url: string }; elevenlabs: { apiKey: string; url: string }; llm: { baseUrl: string } }>(
    './_speech-fakes-process.ts',
    { FAKE_LLM_MS: String(llmMs), FAKE_TTS_MS: String(ttsMs) },
  );
  const { deepgram, elevenlabs, llm } = fakes.ready;
  const providers = new SpeechProviders({
    deepgramApiKey: deepgram.apiKey, deepgramBaseUrl: deepgram.url, elevenlabsApiKey: elevenlabs.apiKey, elevenlabsBaseUrl: elevenlabs.url,
  });
  const engine = createConversationEngine({
    resolveLlm: (settings) => resolveLlm(settings, { openaiApiKey: FAKE_OPENAI_KEY, openaiBaseUrl: llm.baseUrl, defaultModel: 'gpt-fake' }),
  });
  const settings = resolveVoiceSettings({ settings: {}, language: 'en-US' });
  const clock = realClock();
  const pacer = new FramePacer(clock);
  const ticker = new LineTicker();
  const turns: Turn[] = [];
  const stages: Record<string, number[]> = { stt: [], llm: [], tts: [], out: [] };
  const runs: Promise<unknown>[] = [];

  for (let i = 0; i < calls; i++) {
    let asked = 0;
    let heardAgent = false;
    let quietMs = 0;
    let speaking = false;
    let current: Turn | undefined;
    const line: PacedLine = new PacedLine({
      onDelivered: (speech) => {
        if (speaking && !speech) {
          // This frame covers the 20 ms just gone: the speech ended at its start.
          current = { endedAt: performance.now() - 20 };
          turns.push(current);
        }
        speaking = speech;
      },
      onSent: (frame) => {
        if (frame.kind === 'audio' && current && current.firstAudioAt === undefined) current.firstAudioAt = performance.now();
      },
      onPlayed: (frame) => {
        if (frame) {
          heardAgent = true;
          quietMs = 0;
          return;
        }
        quietMs += 20;
        if (!heardAgent || quietMs < 300) return;
        heardAgent = false;
        if (asked++ < turnsPerCall) line.say(question);
        else line.end();
      },
    });
    const session = new VoiceSession({
      conversation: engine.open({ agent, variables: {}, channel: 'voice' }),
      settings, clock, pacer,
      stt: providers.stt(settings.stt).provider,
      tts: providers.tts(settings.tts).provider,
      offlineTts: providers.offlineTts,
      timers: { silenceRepromptMs: 0, inactivityTimeoutMs: 0, wrapUpAtMs: 0, responseDelayMs: 0 },
      hooks: {
        recordTurn: async () => undefined,
        recordBrainEvent: async () => undefined,
        recordEvent: async (type, data) => {
          if (type !== 'agent.turn_latency') return;
          const d = data as Record<string, number>;
          stages.stt!.push(d.endpoint_ms! - endpointingMs);
          stages.llm!.push(d.llm_first_token_ms! - d.endpoint_ms! - llmMs);
          stages.tts!.push(d.tts_first_byte_ms! - d.llm_first_token_ms! - ttsMs);
          stages.out!.push(d.first_audio_ms! - d.tts_first_byte_ms!);
        },
        endAs: () => undefined,
        storeLatency: async () => undefined,
      },
    });
    session.prepare();
    runs.push(session.run(line));
    ticker.add(line);
    await new Promise((resolve) => setTimeout(resolve, 2000 / calls));
  }
  // Bounded: every call ends after its turns, or at the deadline.
  const deadline = new Promise((resolve) => setTimeout(resolve, 20_000 + turnsPerCall * 5_000).unref());
  await Promise.race([Promise.all(runs), deadline]);
  ticker.stop();
  pacer.stop();
  await fakes.stop();

  const measured = turns.filter((turn) => turn.firstAudioAt !== undefined).map((turn) => turn.firstAudioAt! - turn.endedAt);
  return { measured, overhead: measured.map((ms) => ms - endpointingMs - llmMs - ttsMs), stages };
}
