/** The voice session's contract with its host: options, hooks into the call record, how a call ends. */
import type { Conversation } from '../../brain/types.js';
import type { CallControl, CallEnd } from '../../conversation/host.js';
import type { ConversationTimers } from '../../conversation/timers.js';
import type { VerdictPlan } from '../../conversation/voicemail.js';
import type { SttProvider } from '../stt/types.js';
import type { TtsProvider } from '../tts/types.js';
import type { SessionClock } from './clock.js';
import type { LatencySummary } from './latency.js';
import type { VoiceMetrics } from './metrics.js';
import { INTER_DIGIT_MS } from './keypad-entry.js';
import type { FramePacer } from './pacer.js';
import type { VoiceSettings } from './settings.js';

/** How the call ends, as the session decided it (see conversation/outcome.ts). */
export type SessionEnd = CallEnd;

export type { AnswerInfo } from '../../conversation/host.js';

/**
 * Where the session writes what happens: the call runtime's `CallControl` (its signal and answer
 * go to `run`); none of these may block the audio.
 */
export type VoiceSessionHooks = Omit<CallControl, 'signal' | 'answer' | 'storeLatency'> & {
  storeLatency(summary: LatencySummary): Promise<void>;
};

export interface SessionTuning {
  /** Audio kept buffered at the carrier (ms). */
  readonly leadMs: number;
  /** A turn that has said nothing this long says a filler ("One moment, please."). */
  readonly fillerAfterMs: number;
  /** A TTS that owes audio this long has failed. */
  readonly ttsStallMs: number;
  /** A pause this long after a key ends a keypad entry that has no `#` (keypad-entry.ts says why 3 s). */
  readonly interDigitMs: number;
}

/**
 * A filler at 1.2 s of silence, and a TTS that owes audio for 1.5 s is given up on (apology on
 * the offline voice): either way the callee hears something within 2 s. Vendors answer in
 * 75-300 ms, so neither fires on a healthy line.
 */
export const defaultTuning: SessionTuning = { leadMs: 200, fillerAfterMs: 1200, ttsStallMs: 1500, interDigitMs: INTER_DIGIT_MS };

export interface VoiceSessionOptions {
  readonly conversation: Conversation;
  readonly settings: VoiceSettings;
  readonly stt: SttProvider;
  readonly tts: TtsProvider;
  /** Speaks the apology when every configured TTS failed. */
  readonly offlineTts: TtsProvider;
  readonly clock: SessionClock;
  readonly pacer: FramePacer;
  readonly timers: ConversationTimers;
  readonly hooks: VoiceSessionHooks;
  readonly metrics?: VoiceMetrics;
  readonly tuning?: Partial<SessionTuning>;
  /** What an answering machine gets (conversation/voicemail.ts `verdictPlan` for a machine); the agent's own message when absent. */
  readonly machinePlan?: VerdictPlan;
  /**
   * The recording disclosure ("This call is recorded."): said first in the agent's first turn and
   * not interruptible by the callee, so talking over it cannot lose it; a turn that ends before it
   * was heard in full (a machine verdict, a failed voice) leaves it to lead the next one.
   */
  readonly disclosure?: string;
  /** Lateness of every outbound frame (benchmarks). */
  readonly onFrame?: (latenessMs: number) => void;
}
