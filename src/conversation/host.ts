/**
 * One way to host a conversation on a call's line. Both lanes implement `ConversationHost`: the
 * text lane (words at a speaking pace, the simulated network's default) and the voice lane (the
 * real-time audio session). The call runtime owns the call and drives the lane: it hands the
 * lane the call and one `CallControl` (how the conversation writes to the call and says how the
 * call ends), attaches the answered line, and hears back how the call ends.
 */
import type { AgentAction, AgentSpec, BrainEvent, ConversationTurn, TransferFailure, Variables } from '../brain/types.js';
import type { LineClock } from '../media/line-clock.js';
import type { CallEnd } from './outcome.js';

export type { CallEnd } from './outcome.js';

/** The call a lane hosts, with its agent as it was when the call was dialled. */
export interface HostedCall {
  readonly id: string;
  readonly orgId: string;
  readonly carrier: string;
  readonly variables: Variables;
  readonly maxDurationS: number;
  readonly agent: HostedAgent;
  /** The time the call's line runs on (the carrier's; real time unless simulated). */
  readonly clock: LineClock;
  /** The call's line runs on a simulated network (the brain is told the channel). */
  readonly simulated: boolean;
  /** The numbers this call may be transferred to (the call's own list, else the agent's). */
  readonly transferNumbers?: readonly string[];
  /** Said word for word before the greeting: the recording disclosure, rendered (recorded calls only). */
  readonly disclosure?: string;
}

export interface HostedAgent {
  readonly spec: AgentSpec;
  /** The agent's `voice` column (the TTS voice unless `tts.voice` says otherwise). */
  readonly voice: string | null;
}

/**
 * Who answered, as the call's detector says so far: the carrier's (known at answer, or its async
 * AMD later) or Parley's own, which hears the line while the greeting is held.
 */
export interface AnswerInfo {
  /** True once a machine verdict is in. */
  machine(): boolean;
  /** Parley's detector runs on this line: the agent's greeting waits until this resolves (the verdict). */
  readonly held: Promise<void> | null;
  /** Resolves when a machine verdict arrives (at once when known at answer); never for a person. */
  readonly machineDetected: Promise<void>;
  /** Resolves when a machine's greeting is over (its beep, its end, or the wait's cap): a message may start. */
  readonly messageCue: Promise<void>;
  /**
   * Resolves when a beep comes soon after a message was cued by anything but a beep (the greeting
   * fell quiet, then beeped): the machine records from the beep, so a message already started
   * should start again. Never resolves otherwise.
   */
  readonly lateBeep?: Promise<void>;
  /** What the callee's side says so far (interim transcripts too): wording helps Parley's detector. */
  hear(text: string): void;
}

/** What a conversation may do to its call: the one control contract every lane gets. */
export interface CallControl {
  /** Aborts when the call is over for the runtime (the carrier ended it, a cancel, shutdown). */
  readonly signal: AbortSignal;
  readonly answer: AnswerInfo;
  recordTurn(turn: ConversationTurn): Promise<void>;
  recordBrainEvent(event: BrainEvent | { readonly type: 'action'; readonly action: AgentAction }): Promise<void>;
  /** A lane's own event on the call (`voice.*`, `contact.*`, `agent.interrupted`). */
  recordEvent(type: string, data: Record<string, unknown>): Promise<void>;
  /** The call's latency summary (voice lane). */
  storeLatency(summary: Record<string, unknown>): Promise<void>;
  /** How the call ends (status and reason), set before the lane hangs up; the first one set wins. */
  endAs(end: CallEnd): void;
  /**
   * Transfers the call (checked against its allowed numbers); connected means the lane's part is
   * over. A lane with a voice lends it what `TransferVoice` names.
   */
  transfer?(action: Extract<AgentAction, { type: 'transfer_call' }>, turns: readonly ConversationTurn[], voice?: TransferVoice): Promise<TransferOutcome>;
}

/** What a lane with a voice lends a transfer. */
export interface TransferVoice {
  /** Renders text in the agent's voice, so a warm transfer's briefing is in it. */
  readonly speak?: (text: string, signal: AbortSignal) => Promise<Uint8Array>;
  /**
   * A warm transfer's target is being called while the callee stays on the line: the lane plays
   * ringback to the callee until the transfer returns.
   */
  readonly dialling?: () => void;
}

/** What a transfer did, as a lane sees it. */
export type TransferOutcome = { readonly connected: true } | { readonly connected: false; readonly outcome: TransferFailure };

/** A lane: hosts the conversation of an answered line until either side hangs up. */
export interface ConversationHost<Line> {
  /** Runs the conversation on `line`; resolves with how the call ends once the line is over. */
  attach(call: HostedCall, line: Line, control: CallControl): Promise<CallEnd>;
}

/** The voice lane also builds a call's session while its phone rings, so the agent speaks at once. */
export interface PrewarmingHost<Line> extends ConversationHost<Line> {
  /** Connects speech providers and synthesises the greeting while the phone rings. */
  prewarm(call: HostedCall, control: CallControl): void;
  /** Drops a prewarmed session: the call ended without a line. */
  discard(callId: string): void;
}
