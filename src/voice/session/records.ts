/**
 * What a voice session writes to its call: transcript turns (offsets from the answer), events,
 * per-turn latency and the call's latency summary. Writes run in order and off the audio path;
 * the session awaits them only before it hangs up, so the record is complete when the call ends.
 */
import type { AgentAction, BrainEvent, ConversationTurn, Cue } from '../../brain/types.js';
import { summarizeLatency, type TurnLatency, type TurnTimer } from './latency.js';
import type { VoiceMetrics } from './metrics.js';
import type { VoiceSessionHooks } from './types.js';

export class SessionRecords {
  /** The conversation so far, as the engine is given it. */
  readonly turns: ConversationTurn[] = [];
  private answeredAt = 0;
  private readonly latencies: TurnLatency[] = [];
  private firstWordsMs: number | undefined;
  private latencyStored = false;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly hooks: VoiceSessionHooks,
    private readonly metrics: VoiceMetrics,
  ) {}

  /** Offsets count from here (clock time of the answer). */
  answered(at: number): void {
    this.answeredAt = at;
  }

  turn(role: ConversationTurn['role'], text: string, at: number, interrupted = false): void {
    const turn: ConversationTurn = { role, text, offsetMs: Math.max(0, Math.round(at - this.answeredAt)), ...(interrupted ? { interrupted: true } : {}) };
    this.turns.push(turn);
    this.write(() => this.hooks.recordTurn(turn));
  }

  /** A keypad entry, on the transcript as the contact's turn so later turns and the analysis know what was keyed. */
  keys(keys: string, at: number): void {
    const turn: ConversationTurn = { role: 'contact', text: keys, offsetMs: Math.max(0, Math.round(at - this.answeredAt)), input: 'keypad' };
    this.turns.push(turn);
    this.write(() => this.hooks.recordTurn(turn));
  }

  event(type: string, data: Record<string, unknown>): void {
    this.write(() => this.hooks.recordEvent(type, data));
  }

  brain(event: BrainEvent | { type: 'action'; action: AgentAction }): void {
    this.write(() => this.hooks.recordBrainEvent(event));
  }

  /**
   * A measured agent turn (the one just recorded): an `agent.turn_latency` event naming that
   * turn by its offset, the histograms, and the call's summary later.
   */
  latency(cue: Cue, timer: TurnTimer): void {
    const latency = timer.result();
    this.latencies.push(latency);
    this.metrics.turn(latency);
    const turn = this.turns.at(-1);
    this.event('agent.turn_latency', { cue: cue.type, ...latency, ...(turn?.role === 'agent' ? { turn_offset_ms: turn.offsetMs } : {}) });
  }

  /** The greeting's first frame went out at `at`. */
  firstWords(at: number): void {
    if (this.firstWordsMs !== undefined) return;
    this.firstWordsMs = Math.max(0, at - this.answeredAt);
    this.metrics.firstWords(this.firstWordsMs);
  }

  /** Queues the latency summary (once) and waits for every write so far. */
  async flush(): Promise<void> {
    if (!this.latencyStored && (this.latencies.length > 0 || this.firstWordsMs !== undefined)) {
      this.latencyStored = true;
      const summary = summarizeLatency(this.latencies, this.firstWordsMs);
      this.write(() => this.hooks.storeLatency(summary));
    }
    await this.writes;
  }

  /** A failed write is the hook's to report; the call goes on. */
  private write(run: () => Promise<void>): void {
    this.writes = this.writes.then(run).catch(() => undefined);
  }
}
