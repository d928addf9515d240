/** Prometheus metrics of the voice pipeline, on the server's registry (`/metrics`). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { latencyStages, type TurnLatency } from './latency.js';

export interface VoiceMetrics {
  turn(latency: TurnLatency): void;
  firstWords(ms: number): void;
  interruption(): void;
  providerFailure(kind: 'stt' | 'tts', provider: string): void;
  sessionOpened(): void;
  sessionClosed(): void;
  /** A frame went out `latenessMs` after it was due. */
  frame(latenessMs: number): void;
}

export const noVoiceMetrics: VoiceMetrics = {
  turn: () => undefined,
  firstWords: () => undefined,
  interruption: () => undefined,
  providerFailure: () => undefined,
  sessionOpened: () => undefined,
  sessionClosed: () => undefined,
  frame: () => undefined,
};

const secondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

/** Registers the voice metrics on `registry`. */
export function promVoiceMetrics(registry: Registry): VoiceMetrics {
  const turnLatency = new Histogram({
    name: 'parley_voice_turn_latency_seconds',
    help: 'Agent turn latency by stage, from the end of the callee\'s speech (endpoint, stt_final, llm_first_token, tts_first_byte, first_audio)',
    labelNames: ['stage'],
    buckets: secondsBuckets,
    registers: [registry],
  });
  const firstWords = new Histogram({
    name: 'parley_voice_first_words_seconds',
    help: 'From the answer to the agent\'s first audio frame',
    buckets: secondsBuckets,
    registers: [registry],
  });
  const interruptions = new Counter({ name: 'parley_voice_interruptions_total', help: 'Agent turns cut off by the callee', registers: [registry] });
  const failures = new Counter({
    name: 'parley_voice_provider_failures_total',
    help: 'STT or TTS streams that failed for good during a call',
    labelNames: ['kind', 'provider'],
    registers: [registry],
  });
  const sessions = new Gauge({ name: 'parley_voice_sessions', help: 'Voice sessions running', registers: [registry] });
  const frames = new Counter({ name: 'parley_voice_frames_sent_total', help: 'Outbound 20 ms audio frames', registers: [registry] });
  const lateFrames = new Counter({
    name: 'parley_voice_frames_late_total',
    help: 'Outbound frames sent more than 20 ms after they were due',
    registers: [registry],
  });
  return {
    turn(latency) {
      for (const stage of latencyStages) {
        const ms = latency[`${stage}_ms`];
        if (ms !== undefined) turnLatency.observe({ stage }, ms / 1000);
      }
    },
    firstWords: (ms) => firstWords.observe(ms / 1000),
    interruption: () => interruptions.inc(),
    providerFailure: (kind, provider) => failures.inc({ kind, provider }),
    sessionOpened: () => sessions.inc(),
    sessionClosed: () => sessions.dec(),
    frame(latenessMs) {
      frames.inc();
      if (latenessMs > 20) lateFrames.inc();
    },
  };
}
