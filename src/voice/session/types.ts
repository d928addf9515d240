/** The voice session's contract with its host: options, hooks into the call record, how a call ends. */
import type { AgentAction, BrainEvent, Conversation, ConversationTurn } from '../../brain/types.js';
import type { SttProvider } from '../stt/types.js';
import type { TtsProvider } from '../tts/types.js';
import type { SessionClock } from './clock.js';
import type { LatencySummary } from './latency.js';
import type { VoiceMetrics } from './metrics.js';
import type { FramePacer } from './pacer.js';
import type { VoiceSettings } from './settings.js';
import type { VoiceTimers } from './timers.js';

/** How the call ends, as the session decided it. */
export interface SessionEnd {
  readonly reason: string;
  readonly status?: 'completed' | 'voicemail' | 'failed';
}

/** What the carrier said about who answered; the beep resolves when a machine's greeting is over. */
export interface AnswerInfo {
  machine(): boolean;
  readonly beepHeard: Promise<void>;
}

/** Where the session writes what happens (the call record); none of these may block the audio. */
export interface VoiceSessionHooks {
  recordTurn(turn: ConversationTurn): Promise<void>;
  recordEvent(type: string, data: Record<string, unknown>): Promise<void>;
  recordBrainEvent(event: BrainEvent | { type: 'action'; action: AgentAction }): Promise<void>;
  /** Called before the session hangs up, so the call ends with this status and reason. */
  endAs(end: SessionEnd): void;
  storeLatency(summary: LatencySummary): Promise<void>;
}

export interface SessionTuning {
  /** Audio kept buffered at the carrier (ms). */
  readonly leadMs: number;
  /** A turn that has said nothing this long says a filler ("One moment, please."). */
  readonly fillerAfterMs: number;
  /** A TTS that owes audio this long has failed. */
  readonly ttsStallMs: number;
}

/**
 * A filler at 1.2 s of silence, and a TTS that owes audio for 1.5 s is given up on (apology on
 * the offline voice): either way the callee hears something within 2 s. Vendors answer in
 * 75-300 ms, so neither fires on a healthy line.
 */
export const defaultTuning: SessionTuning = { leadMs: 200, fillerAfterMs: 1200, ttsStallMs: 1500 };

export interface VoiceSessionOptions {
  readonly conversation: Conversation;
  readonly settings: VoiceSettings;
  readonly stt: SttProvider;
  readonly tts: TtsProvider;
  /** Speaks the apology when every configured TTS failed. */
  readonly offlineTts: TtsProvider;
  readonly clock: SessionClock;
  readonly pacer: FramePacer;
  readonly timers: VoiceTimers;
  readonly hooks: VoiceSessionHooks;
  readonly metrics?: VoiceMetrics;
  readonly tuning?: Partial<SessionTuning>;
  /** Lateness of every outbound frame (benchmarks). */
  readonly onFrame?: (latenessMs: number) => void;
}
