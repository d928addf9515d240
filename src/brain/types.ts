/**
 * The conversation engine's contract: given the agent and the conversation so far, produce the
 * agent's next utterance as a stream of text plus actions. A simulated call, a real-time voice
 * session and a text chat all drive it the same way; none of them knows which brain is behind it.
 */
import type { AgentSettings } from '../conversation/agent-settings.js';

export type VariableValue = string | number | boolean;
export type Variables = Readonly<Record<string, VariableValue>>;

export const speakers = ['agent', 'contact'] as const;
export type Speaker = (typeof speakers)[number];

/** One turn of the conversation as the transcript keeps it. */
export interface ConversationTurn {
  readonly role: Speaker;
  readonly text: string;
  /** Milliseconds from the moment the call was answered (or the chat opened). */
  readonly offsetMs: number;
  /** The agent was cut off: `text` holds only what the contact heard. */
  readonly interrupted?: boolean;
  /**
   * The contact keyed this turn on the phone's keypad rather than saying it: `text` is the keys
   * as pressed ("0123#"). Kept in the transcript so later turns, and the analysis, know it.
   */
  readonly input?: 'keypad';
}

export type AgentAction =
  | { readonly type: 'end_call'; readonly reason: string }
  /** Cold: the callee is handed to `to` and the agent leaves. Warm: the agent briefs `to` first. */
  | { readonly type: 'transfer_call'; readonly to: string; readonly mode: TransferMode; readonly reason?: string }
  | { readonly type: 'send_dtmf'; readonly digits: string }
  | { readonly type: 'leave_voicemail'; readonly message: string };

export const transferModes = ['cold', 'warm'] as const;
export type TransferMode = (typeof transferModes)[number];

/** How a transfer attempt ended that did not connect the callee. */
export type TransferFailure = 'busy' | 'no_answer' | 'declined' | 'failed' | 'refused';

export type BrainEvent =
  /** A piece of what the agent says; pieces concatenate into the utterance. */
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'action'; readonly action: AgentAction }
  | { readonly type: 'tool_call'; readonly id: string; readonly name: string; readonly arguments: unknown }
  | { readonly type: 'tool_result'; readonly id: string; readonly name: string; readonly ok: boolean; readonly result: unknown }
  /** A value the agent collected (flows), recorded on the call for the outcome. */
  | { readonly type: 'collected'; readonly name: string; readonly value: unknown }
  /**
   * The model failed this reply (after any fallbacks): which provider, what kind of failure and
   * the provider's HTTP status, so a call that ended `llm_error` says why. Never the prompt or the reply.
   */
  | { readonly type: 'model_error'; readonly provider: string | null; readonly category: string; readonly status_code: number | null; readonly message: string };

/** Why the engine is asked to speak now. */
export type Cue =
  /** The call was answered or the chat opened and the agent speaks first. */
  | { readonly type: 'start' }
  /** The contact finished a turn (the last entry of `turns`). */
  | { readonly type: 'contact_turn' }
  /** Nobody has spoken for a while. */
  | { readonly type: 'silence'; readonly silentForMs: number }
  /** The contact keyed an entry on the keypad: the last of `turns`, a keypad turn holding `digits`. */
  | { readonly type: 'dtmf'; readonly digits: string }
  /** The call is about to hit its maximum duration: say goodbye. */
  | { readonly type: 'wrap_up'; readonly reason: 'max_duration' | 'inactivity' }
  /** An answering machine picked up and its beep has sounded. */
  | { readonly type: 'voicemail' }
  /** A warm transfer did not connect: the agent is back with the callee and says so. */
  | { readonly type: 'transfer_failed'; readonly to: string; readonly outcome: TransferFailure };

/** What a brain needs of an agent. Built from the stored agent by the agents module. */
export interface AgentSpec {
  readonly id: string;
  readonly name: string;
  readonly prompt: string;
  readonly greeting: string | null;
  readonly firstSpeaker: Speaker;
  readonly language: string;
  /** Values used when a call gives none for a placeholder. */
  readonly variableDefaults: Readonly<Record<string, string>>;
  /** Capability settings (llm, flow, tools, outcome) as stored; the line settings typed. */
  readonly settings: AgentSettings;
}

export interface ConversationContext {
  readonly agent: AgentSpec;
  readonly variables: Variables;
  readonly channel: 'voice' | 'sim' | 'chat';
  readonly callId?: string;
  /** The numbers this call may be transferred to (the call's own list, else the agent's). */
  readonly transferNumbers?: readonly string[];
}

/** One conversation's brain state (flow position, tool results) lives behind this. */
export interface Conversation {
  readonly firstSpeaker: Speaker;
  /**
   * How many keys make a whole keypad entry for what the agent is asking now (one for a yes/no or
   * a choice of up to nine), so a voice lane hands the entry over on its last key; undefined when
   * the brain cannot tell, and the entry ends on `#` or a pause.
   */
  keysExpected?(): number | undefined;
  /** The agent's next utterance given the conversation so far and why it is asked now. */
  respond(turns: readonly ConversationTurn[], cue: Cue, signal: AbortSignal): AsyncIterable<BrainEvent>;
}

export interface ConversationEngine {
  open(context: ConversationContext): Conversation;
}
