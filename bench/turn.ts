/**
 * `npm run bench -- turn`: how long the voice pipeline itself adds to an agent's reaction time.
 * Each call runs the production stack over loopback: Deepgram's live STT client against the
 * Deepgram fake, the prompt engine and OpenAI client against the fake OpenAI server, ElevenLabs'
 * client against the ElevenLabs fake, on a line paced like Twilio. The fakes share one child
 * process, so their work is not the pipeline's (a process of its own for the model fake measured
 * worse on 2 cores: an idle process wakes later than a busy one). The callee's line knows when
 * its speech really ended (the first silent frame it delivered); the first agent frame coming
 * back to the line ends the measurement.
 *
 * Subtracted from that: the STT's endpointing (300 ms of silence, as configured), and what the
 * model and TTS fakes actually took, timed by the fakes on their own clock for each reply: the
 * model from having the whole request to writing its first token, the TTS from the flush of the
 * first sentence to its first audio. That is the configured delay (60 ms, 40 ms) plus the fakes'
 * own lateness (a timer firing late in the fakes' busy process, their parsing); the table shows
 * that part on its own row. Everything else stays in: Parley's work in both directions, the
 * loopback hops, the STT fake's answer, and any garbage collection or scheduling stall of the
 * Parley process; a line under the table says how many GC pauses and how much CPU time the
 * hypervisor took (/proc/stat steal) during the run, the usual cause of a bad p99 on a shared VM.
 *
 *   --calls 10      concurrent calls     --turns 15    agent turns measured per call
 *   --llm-ms 60     the model's time to first token
 *   --tts-ms 40     the TTS's time to first byte
 */
import { availableParallelism } from 'node:os';
import type { AgentSpec } from '../src/brain/types.js';
import { createConversationEngine } from '../src/brain/engine.js';
import { LineTicker, PacedLine } from '../src/telephony/sim/audio/paced-line.js';
import { encodeScriptedSpeech } from '../src/media/scripted-speech.js';
import { resolveLlm } from '../src/llm/registry.js';
import { realClock } from '../src/voice/session/clock.js';
import { percentile } from '../src/voice/session/latency.js';
import { FramePacer } from '../src/voice/session/pacer.js';
import { SpeechProviders } from '../src/voice/session/providers.js';
import { VoiceSession } from '../src/voice/session/session.js';
import { resolveVoiceSettings } from '../src/voice/session/settings.js';
import { FAKE_OPENAI_KEY } from '../test/fakes/openai/server.js';
import { startChild } from './_child.js';
import { describeConditions, watchConditions } from './_conditions.js';
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
  /** The number the fake model gave its reply (it says "... number 7."). */
  reply?: number;
}

/** One measured turn's stages, as the session recorded them (ms past the configured delays). */
interface Stages {
  readonly reply: number | undefined;
  readonly stt: number;
  readonly llm: number;
  readonly tts: number;
  readonly out: number;
}

/** What the fakes took past their configured delays, per reply number (see the child). */
type OwnTimes = Record<number, { llmMs?: number; ttsMs?: number }>;

const replyNumber = (text: string): number | undefined => {
  const match = /number (\d+)\./.exec(text);
  return match ? Number(match[1]) : undefined;
};

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
  /** The fakes' own time per measured turn (model + TTS past their delays). */
  readonly fakes: number[];
  readonly overhead: number[];
  readonly stages: Record<keyof Omit<Stages, 'reply'>, number[]>;
  /** Turns whose reply number was not found: nothing was subtracted for them. */
  readonly unmatched: number;
  /** GC pauses and stolen CPU during the run. */
  readonly conditions: string;
}

export async function main(args: string[]): Promise<void> {
  const calls = option(args, 'calls', 10);
  const turnsPerCall = option(args, 'turns', 15);
  const llmMs = option(args, 'llm-ms', 60);
  const ttsMs = option(args, 'tts-ms', 40);
  // A short unmeasured run first: JIT, the clients' first connections and lazy imports are not the pipeline.
  await run({ calls: 2, turnsPerCall: 3, llmMs, ttsMs });
  const { measured, fakes, overhead, stages, unmatched, conditions } = await run({ calls, turnsPerCall, llmMs, ttsMs });
  printTable(
    `End of the callee's speech to the agent's first audio frame: ${calls} concurrent calls on ${availableParallelism()} cores, ${measured.length} turns (fakes in one child process over loopback: Deepgram endpointing ${endpointingMs} ms, model first token ${llmMs} ms, TTS first byte ${ttsMs} ms)`,
    ['measure', 'p50 ms', 'p99 ms', 'max ms'],
    [
      ['speech end -> first frame out (total)', ...stats(measured)],
      ["fakes' own time past their delays (subtracted)", ...stats(fakes)],
      ['pipeline overhead (total - endpointing - fakes)', ...stats(overhead)],
      ['  STT endpoint after the 300 ms', ...stats(stages.stt)],
      ['  model request -> first token, less the fake', ...stats(stages.llm)],
      ['  first sentence -> TTS first byte, less the fake', ...stats(stages.tts)],
      ['  TTS first byte -> frame out', ...stats(stages.out)],
    ],
  );
  process.stdout.write(`${conditions}\n`);
  if (unmatched > 0) process.stdout.write(`${unmatched} turns had no reply number: nothing was subtracted for them.\n`);
  const p99 = percentile([...overhead].sort((a, b) => a - b), 99);
  process.stdout.write(`Pipeline overhead p99: ${p99.toFixed(1)} ms (goal < 10 ms)\n`);
}

async function run(options: { calls: number; turnsPerCall: number; llmMs: number; ttsMs: number }): Promise<RunResult> {
  const { calls, turnsPerCall, llmMs, ttsMs } = options;
  // The vendors' fakes run in their own process, so their work is not counted as the pipeline's.
  const vendors = await startChild<{ deepgram: { apiKey: string; url: string }; elevenlabs: { apiKey: string; url: string }; llm: { baseUrl: string } }>(
    './_speech-fakes-process.ts',
    { FAKE_LLM_MS: String(llmMs), FAKE_TTS_MS: String(ttsMs) },
  );
  const { deepgram, elevenlabs, llm } = vendors.ready;
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
  const recorded: Stages[] = [];
  const runs: Promise<unknown>[] = [];
  const conditions = watchConditions();

  for (let i = 0; i < calls; i++) {
    let asked = 0;
    let heardAgent = false;
    let quietMs = 0;
    let speaking = false;
    let current: Turn | undefined;
    let agentSaid = '';
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
        recordTurn: async (turn) => {
          if (turn.role === 'agent') agentSaid = turn.text;
        },
        recordBrainEvent: async () => undefined,
        recordEvent: async (type, data) => {
          if (type !== 'agent.turn_latency') return;
          // The turn's words are recorded just before its latency, and the line has not spoken again yet.
          const reply = replyNumber(agentSaid);
          if (current) current.reply = reply;
          const d = data as Record<string, number>;
          recorded.push({
            reply,
            stt: d.endpoint_ms! - endpointingMs,
            llm: d.llm_first_token_ms! - d.endpoint_ms! - llmMs,
            tts: d.tts_first_byte_ms! - d.llm_first_token_ms! - ttsMs,
            out: d.first_audio_ms! - d.tts_first_byte_ms!,
          });
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
  const during = `${describeConditions(conditions())}. Not subtracted.`;
  const { ownTimes } = await vendors.ask<{ ownTimes: OwnTimes }>('own-times');
  await vendors.stop();

  const own = (reply: number | undefined) => (reply === undefined ? undefined : ownTimes[reply]);
  const done = turns.filter((turn) => turn.firstAudioAt !== undefined);
  const measured = done.map((turn) => turn.firstAudioAt! - turn.endedAt);
  const fakes = done.map((turn) => (own(turn.reply)?.llmMs ?? 0) + (own(turn.reply)?.ttsMs ?? 0));
  return {
    measured,
    fakes,
    overhead: measured.map((ms, i) => ms - endpointingMs - llmMs - ttsMs - fakes[i]!),
    stages: {
      stt: recorded.map((r) => r.stt),
      llm: recorded.map((r) => r.llm - (own(r.reply)?.llmMs ?? 0)),
      tts: recorded.map((r) => r.tts - (own(r.reply)?.ttsMs ?? 0)),
      out: recorded.map((r) => r.out),
    },
    unmatched: done.filter((turn) => own(turn.reply)?.llmMs === undefined || own(turn.reply)?.ttsMs === undefined).length,
    conditions: during,
  };
}
