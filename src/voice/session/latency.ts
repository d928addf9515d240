/**
 * Latency of each agent turn, measured from the end of the callee's speech: when the STT
 * endpointed, when its last final arrived, the LLM's first token, the TTS's first byte and the
 * first audio frame out (what the callee experiences as the agent's reaction time). Each turn
 * becomes an `agent.turn_latency` call event; the call keeps p50/p95 of every stage.
 */

export const latencyStages = ['endpoint', 'stt_final', 'llm_first_token', 'tts_first_byte', 'first_audio'] as const;
export type LatencyStage = (typeof latencyStages)[number];

/** One turn's stages, in milliseconds after the callee stopped speaking. */
export type TurnLatency = { readonly [Stage in LatencyStage as `${Stage}_ms`]?: number };

/** Stamps one turn's stages (the first stamp of each stage counts). */
export class TurnTimer {
  private readonly at = new Map<LatencyStage, number>();

  /** `origin`: clock time the callee's speech ended. */
  constructor(readonly origin: number) {}

  mark(stage: LatencyStage, at: number): void {
    if (!this.at.has(stage)) this.at.set(stage, at);
  }

  has(stage: LatencyStage): boolean {
    return this.at.has(stage);
  }

  /** The stages stamped, rounded to 0.1 ms. */
  result(): TurnLatency {
    const out: Record<string, number> = {};
    for (const stage of latencyStages) {
      const at = this.at.get(stage);
      if (at !== undefined) out[`${stage}_ms`] = Math.round(Math.max(0, at - this.origin) * 10) / 10;
    }
    return out as TurnLatency;
  }
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
}

/** What the call record keeps (`analysis.latency`). */
export interface LatencySummary {
  /** Agent turns answering the callee that were measured. */
  readonly turns: number;
  /** From the answer to the agent's first audio frame (the greeting). */
  readonly first_words_ms?: number;
  readonly stages: { readonly [Stage in LatencyStage as `${Stage}_ms`]?: Percentiles };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeLatency(turns: readonly TurnLatency[], firstWordsMs?: number): LatencySummary {
  const stages: Record<string, Percentiles> = {};
  for (const stage of latencyStages) {
    const key = `${stage}_ms` as const;
    const values = turns.map((turn) => turn[key]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    if (values.length > 0) stages[key] = { p50: percentile(values, 50), p95: percentile(values, 95) };
  }
  return { turns: turns.length, ...(firstWordsMs !== undefined ? { first_words_ms: Math.round(firstWordsMs * 10) / 10 } : {}), stages };
}
