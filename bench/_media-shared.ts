/**
 * What every media-bench line shares: the agent's conversation (no model: fixed lines after a
 * short think), the voice session as a call runs it, lateness samples and the per-N summary.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BrainEvent, Conversation } from '../src/brain/types.js';
import type { AudioLine } from '../src/media/audio-line.js';
import { encodeScriptedSpeech } from '../src/media/scripted-speech.js';
import { createScriptedStt } from '../src/voice/stt/scripted/index.js';
import { createScriptedTts } from '../src/voice/tts/scripted/index.js';
import { percentile } from '../src/voice/session/latency.js';
import type { FramePacer } from '../src/voice/session/pacer.js';
import { VoiceSession } from '../src/voice/session/session.js';
import { resolveVoiceSettings } from '../src/voice/session/settings.js';
import type { Conditions } from './_conditions.js';

export const greeting = 'Hello, this is Parley calling about your appointment next Tuesday. I have a few details to go through with you.';
const answer = 'Thanks. Here is the next part of what you asked about. It takes a few sentences to explain it well.';
export const calleeReply = encodeScriptedSpeech('Yes, please go on.');
export const rampMs = 3000;

/** A full GC before each memory reading, so the per-call figures are live memory, not garbage. */
setFlagsFromString('--expose-gc');
export const collect = runInNewContext('gc') as () => void;

/** A brain with no model: it speaks its lines after a short think, as a fast LLM would. */
export function benchConversation(): Conversation {
  return {
    firstSpeaker: 'agent',
    async *respond(_turns, cue, signal): AsyncIterable<BrainEvent> {
      if (cue.type !== 'start') await new Promise((resolve) => setTimeout(resolve, 80));
      if (signal.aborted) return;
      const text = cue.type === 'start' ? greeting : answer;
      for (const piece of text.match(/[^.]+\.\s*/g) ?? [text]) yield { type: 'text', text: piece };
    },
  };
}

export interface StepResult {
  readonly calls: number;
  readonly frames: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly dropped: number;
  readonly cpuPerCallPct: number;
  readonly cpuTotalPct: number;
  readonly rssPerCallKb: number;
  readonly heapPerCallKb: number;
  readonly turns: number;
  /** Parley's GC pauses and the hypervisor's steal over the measured window. */
  readonly conditions: Conditions;
  readonly note: string;
}

/** Lateness samples, without an array per frame. */
export class Samples {
  private values = new Float64Array(1 << 16);
  count = 0;
  push(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }
  sorted(): Float64Array {
    return this.values.slice(0, this.count).sort();
  }
}

export function newSession(line: AudioLine, pacer: FramePacer, onFrame: (lateness: number) => void, onTurn: () => void): Promise<unknown> {
  const clock = pacer.clock;
  const session = new VoiceSession({
    conversation: benchConversation(),
    settings: resolveVoiceSettings({ settings: {}, language: 'en-US' }),
    stt: createScriptedStt(),
    tts: createScriptedTts(),
    offlineTts: createScriptedTts({ id: 'offline' }),
    clock,
    pacer,
    timers: { silenceRepromptMs: 0, inactivityTimeoutMs: 0, wrapUpAtMs: 0, responseDelayMs: 0 },
    onFrame,
    hooks: {
      recordTurn: async (turn) => {
        if (turn.role === 'agent') onTurn();
      },
      recordEvent: async () => undefined,
      recordBrainEvent: async () => undefined,
      endAs: () => undefined,
      storeLatency: async () => undefined,
    },
  });
  session.prepare();
  return session.run(line);
}

/** The callee: once the agent has been quiet for 700 ms after speaking, says its line. */
export function callee(line: { say(audio: Buffer): void }) {
  let heardAgent = false;
  let quietMs = 0;
  return (frame: Buffer | null): void => {
    if (frame) {
      heardAgent = true;
      quietMs = 0;
      return;
    }
    quietMs += 20;
    if (heardAgent && quietMs >= 700) {
      heardAgent = false;
      line.say(calleeReply);
    }
  };
}

export function summarize(
  calls: number, samples: Samples, dropped: number, cpu: NodeJS.CpuUsage, wallMs: number,
  memory0: NodeJS.MemoryUsage, memory1: NodeJS.MemoryUsage, turns: number, conditions: Conditions, note: string,
): StepResult {
  const sorted = samples.sorted();
  const cpuTotalPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
  return {
    calls,
    frames: samples.count,
    p50: percentile(sorted as unknown as number[], 50),
    p99: percentile(sorted as unknown as number[], 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    dropped,
    cpuTotalPct,
    cpuPerCallPct: cpuTotalPct / calls,
    rssPerCallKb: (memory1.rss - memory0.rss) / 1024 / calls,
    heapPerCallKb: (memory1.heapUsed - memory0.heapUsed) / 1024 / calls,
    turns,
    conditions,
    note,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
