/**
 * Telephony contracts. Call control (dial, hang up, verify callbacks) is kept apart from
 * media (the two-way line of an answered call, and codecs from a carrier's wire to frames).
 */
import type { Frame } from '../media/frames.js';
import type { AudioLine } from '../media/audio-line.js';
import type { LineClock } from '../media/line-clock.js';

export type { AudioLine } from '../media/audio-line.js';

/** Carriers of phone numbers. */
export const carrierIds = ['sim', 'twilio'] as const;
/** Carriers whose line is not a phone number (`web`: a browser's WebSocket); no number is on them. */
export const directCarrierIds = ['web'] as const;
export type CarrierId = (typeof carrierIds)[number] | (typeof directCarrierIds)[number];

export interface DialRequest {
  readonly callId: string;
  /** The organisation placing the call (the simulated network keeps personas per organisation). */
  readonly orgId: string;
  /** E.164. */
  readonly to: string;
  /** E.164. */
  readonly from: string;
  readonly ringTimeoutS: number;
  /** Hard limit of the call once answered. */
  readonly timeLimitS: number;
  /** Run the carrier's own answering-machine detection (when it has one). */
  readonly detectVoicemail: boolean;
  /**
   * With `detectVoicemail`: whether a message will be left, so the verdict on a machine must wait
   * for its greeting to end (Twilio's DetectMessageEnd). When false the first sign of a machine
   * will do (Twilio's Enable: `machine_start`), and the call hangs up on it seconds sooner.
   * Absent: wait for the greeting's end.
   */
  readonly awaitGreetingEnd?: boolean;
}

/** Hand the answered call to another number: cold at once, warm after briefing whoever answers. */
export interface TransferRequest {
  readonly callId: string;
  readonly providerCallId: string;
  /** E.164 target, already checked against the call's allowed list. */
  readonly to: string;
  /** The agent's number: the caller id the target sees. */
  readonly callerId: string;
  readonly mode: 'cold' | 'warm';
  readonly ringTimeoutS: number;
  /** Warm only: what the agent tells the target before connecting (a summary of the call). */
  readonly briefing: string;
  /**
   * Warm only: renders text in the agent's own voice (μ-law 8 kHz), for a carrier that plays the
   * briefing on the target's leg itself. Absent (a text lane) or failing, the carrier speaks it
   * in a voice of its own. The carrier aborts `signal` when it stops waiting for the audio.
   */
  readonly speak?: (text: string, signal: AbortSignal) => Promise<Uint8Array>;
}

/** How a transfer leg ended (or, for a warm transfer, why it never connected). */
export const transferLegOutcomes = ['answered', 'busy', 'no_answer', 'declined', 'failed', 'canceled'] as const;
export type TransferLegOutcome = (typeof transferLegOutcomes)[number];

/**
 * What `transfer` resolves with. Cold: `connected` once the callee is being handed over (the
 * leg's own outcome arrives later as a `transfer_ended` event). Warm: `connected` once the
 * target accepted and the two are joined, else why not; the agent is then still on the call.
 */
export type TransferResult =
  | {
      readonly outcome: 'connected';
      readonly briefingMs?: number;
      /** Whose voice the target heard the briefing in: the agent's (`speak`), or the carrier's own. */
      readonly briefingVoice?: 'agent' | 'carrier';
    }
  | { readonly outcome: Exclude<TransferLegOutcome, 'answered'> };

export const carrierEndOutcomes = ['completed', 'busy', 'no_answer', 'failed', 'canceled'] as const;
export type CarrierEndOutcome = (typeof carrierEndOutcomes)[number];

/** What a carrier reports of a call it placed, in order. */
export type CarrierEvent =
  | { readonly type: 'ringing' }
  | { readonly type: 'answered'; readonly answeredBy: 'human' | 'machine' | 'unknown' }
  /**
   * Answering-machine detection finished after answer (async AMD). `beep`: the greeting ended in
   * a beep; `greetingEnd` what ended it (a beep, silence, something else), null while it still
   * plays (Twilio's machine_start); `detail` the carrier's own word for the verdict.
   */
  | {
      readonly type: 'machine_detected';
      readonly answeredBy: 'human' | 'machine' | 'unknown';
      readonly beep: boolean;
      readonly greetingEnd?: 'beep' | 'silence' | 'other' | null;
      readonly detail?: string;
    }
  /** The media of the answered call is ready. */
  | { readonly type: 'line'; readonly line: CallLine }
  /** The leg a transfer connected has ended (or a cold transfer's target never answered). */
  | { readonly type: 'transfer_ended'; readonly outcome: TransferLegOutcome; readonly legDurationS?: number }
  | { readonly type: 'ended'; readonly outcome: CarrierEndOutcome; readonly reason?: string };

export interface CarrierEventSink {
  (callId: string, event: CarrierEvent): void;
}

export interface Carrier {
  readonly id: CarrierId;
  /** What the lines of its answered calls carry: words as text (the simulated network's default lane) or audio. */
  readonly lines: CallLine['mode'];
  /**
   * Answering machines on its lines: whether it detects them itself when asked
   * (`DialRequest.detectVoicemail`), and the detection an agent that sets none gets (`off` where
   * no machine can answer: a browser).
   */
  readonly machines: { readonly carrierDetects: boolean; readonly defaultDetection: 'off' | 'carrier' | 'parley' };
  /** The time its lines run on, when it is not real time (a simulated network runs faster). */
  readonly clock?: LineClock;
  /** Places the call; progress arrives through the sink given to the carrier's factory. */
  dial(request: DialRequest): Promise<{ readonly providerCallId: string }>;
  /** Ends a ringing or live call; `canceled` before answer, `completed` after. */
  hangUp(providerCallId: string): Promise<void>;
  /** Transfers an answered call; absent on a carrier that cannot. Warm may be refused by a carrier that only does cold. */
  transfer?(request: TransferRequest): Promise<TransferResult>;
  /** The modes `transfer` supports. */
  readonly transferModes?: readonly ('cold' | 'warm')[];
}

/** What the contact does on a text line. */
export type TextLineEvent =
  /** The contact finished saying `text`, which took `durationMs` to say. */
  | { readonly type: 'contact_said'; readonly text: string; readonly durationMs?: number }
  | { readonly type: 'dtmf'; readonly digits: string }
  | { readonly type: 'hangup' };

/**
 * A line carrying words as text at a speaking pace: the simulated network's default lane,
 * where no audio is synthesised or recognised.
 */
export interface TextLine {
  readonly mode: 'text';
  readonly events: AsyncIterable<TextLineEvent>;
  /** Speaks to the contact; resolves when the words have been heard (or the contact cut in). */
  say(text: string, signal?: AbortSignal): Promise<{ readonly heard: string; readonly interrupted: boolean }>;
  hangUp(): void;
}

export type CallLine = TextLine | AudioLine;

/** Translates one carrier's media wire messages to frames and back. */
export interface MediaCodec<WireMessage> {
  decode(message: WireMessage): Frame | null;
  encode(frame: Frame): WireMessage | null;
}
