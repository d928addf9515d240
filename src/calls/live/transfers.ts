/**
 * Runs a transfer the agent asked for on a live call: checks the target against the call's
 * allowed numbers (the call's own list, else the agent's), never dialling anything else; asks
 * the carrier to hand the callee over (cold) or to call the target, brief them and connect
 * (warm); and keeps the attempt on the call (`transfer`, events, the `call.transferred` webhook).
 */
import type { AgentAction, ConversationTurn, TransferFailure } from '../../brain/types.js';
import type { TransferVoice } from '../../conversation/host.js';
import { normaliseNumber } from '../../brain/tools/builtin.js';
import type { Carrier, TransferLegOutcome } from '../../telephony/types.js';
import type { CallLineRecords, TransferRecord } from '../call-line-records.js';
import type { CallRow } from '../call-view.js';

/** What a transfer did, as the conversation sees it. */
export type TransferResult =
  | { readonly connected: true }
  | { readonly connected: false; readonly outcome: TransferFailure; readonly message?: string };

/** The numbers a call may be transferred to: its own list when it has one, else the agent's. */
export function allowedTransferNumbers(call: Pick<CallRow, 'lineOptions'>, agentSettings: Readonly<Record<string, unknown>>): string[] {
  const own = call.lineOptions?.['transfer_numbers'];
  if (Array.isArray(own)) return own.filter((n): n is string => typeof n === 'string');
  const agents = agentSettings['transfer_numbers'];
  return Array.isArray(agents) ? agents.filter((n): n is string => typeof n === 'string') : [];
}

/**
 * What the agent tells the target before connecting: who is calling and why, and the
 * caller's own last words (up to three spoken turns), so nobody has to ask again.
 */
export function briefingOf(agentName: string, reason: string | undefined, turns: readonly ConversationTurn[]): string {
  const said = turns
    // Keys the caller pressed (a PIN, an account number) are theirs to give, not read to a third party.
    .filter((turn) => turn.role === 'contact' && turn.input !== 'keypad' && turn.text.trim())
    .slice(-3)
    .map((turn) => turn.text.trim().replace(/[.!?]*$/, '.'));
  const parts = [`Hi, this is ${agentName}. I have a caller on the line for you${reason ? `, about ${reason.replace(/_/g, ' ')}` : ''}.`];
  if (said.length > 0) parts.push(`They said: ${said.join(' ')}`);
  parts.push('Connecting you now.');
  return parts.join(' ');
}

/** A cold transfer's leg that ended this way never reached the target: the callee was handed to nobody. */
export function coldLegFailed(outcome: TransferLegOutcome): boolean {
  return outcome === 'busy' || outcome === 'no_answer' || outcome === 'declined' || outcome === 'failed';
}

/** One live call's transfer state. */
export interface TransferState {
  record: TransferRecord | undefined;
  connectedAtMs: number | undefined;
}

export interface TransferDeskDeps {
  readonly records: CallLineRecords;
  /** Whether `number` is one of the organisation's own Parley numbers (a transfer there would call Parley). */
  readonly isOrgNumber: (orgId: string, number: string) => Promise<boolean>;
  readonly recordEvent: (call: CallRow, type: string, data: Record<string, unknown>) => Promise<void>;
}

export class TransferDesk {
  constructor(private readonly deps: TransferDeskDeps) {}

  /**
   * Runs `action` on the live call. `ended` is told how the call will end once the callee is
   * handed over, before the carrier reports anything.
   */
  async run(input: {
    readonly call: CallRow;
    readonly carrier: Carrier;
    readonly providerCallId: string | undefined;
    readonly agentName: string;
    readonly agentSettings: Readonly<Record<string, unknown>>;
    readonly action: Extract<AgentAction, { type: 'transfer_call' }>;
    readonly turns: readonly ConversationTurn[];
    readonly state: TransferState;
    readonly handedOver: () => void;
    /** What a voice lane lends: the agent's voice for the briefing, ringback while the target is called. */
    readonly voice?: TransferVoice;
  }): Promise<TransferResult> {
    const { call, carrier, action, state } = input;
    const allowed = allowedTransferNumbers(call, input.agentSettings);
    const target = allowed.find((number) => normaliseNumber(number) === normaliseNumber(action.to));
    if (!target) {
      await this.deps.recordEvent(call, 'call.transfer_refused', { mode: action.mode, reason: 'not_allowed' });
      return { connected: false, outcome: 'refused', message: 'That number is not one this call may be transferred to.' };
    }
    // The callee's own number would ring the phone they are holding; the agent's, or any other
    // number of the organisation's, would call Parley.
    const ownNumber = [call.toNumber, call.fromNumber].some((own) => normaliseNumber(own) === normaliseNumber(target))
      || (await this.deps.isOrgNumber(call.orgId, normaliseNumber(target)));
    if (ownNumber) {
      await this.deps.recordEvent(call, 'call.transfer_refused', { mode: action.mode, reason: 'own_number' });
      return { connected: false, outcome: 'refused', message: "That is this call's own number (the caller's or the agent's); it cannot be a transfer target." };
    }
    if (!carrier.transfer || !input.providerCallId || !(carrier.transferModes ?? []).includes(action.mode)) {
      await this.deps.recordEvent(call, 'call.transfer_refused', { mode: action.mode, reason: 'carrier_cannot', carrier: carrier.id });
      return { connected: false, outcome: 'refused', message: `The phone line cannot do a ${action.mode} transfer; try ${action.mode === 'warm' ? 'cold' : 'another way'}.` };
    }
    const started = new Date().toISOString();
    state.record = { to: target, mode: action.mode, reason: action.reason ?? null, outcome: 'pending', leg_duration_s: null, started_at: started, ended_at: null };
    await this.deps.records.transfer(call.id, state.record, 'call.transfer_started');
    const briefing = action.mode === 'warm' ? briefingOf(input.agentName, action.reason, input.turns) : '';
    const speak = action.mode === 'warm' ? input.voice?.speak : undefined;
    // A cold transfer hands the callee to the carrier, whose own ringback they hear; a warm one keeps them with the agent meanwhile.
    if (action.mode === 'warm') input.voice?.dialling?.();
    let result;
    try {
      result = await carrier.transfer({
        callId: call.id, providerCallId: input.providerCallId, to: target, callerId: call.fromNumber, mode: action.mode,
        ringTimeoutS: 30, briefing, ...(speak ? { speak } : {}),
      });
    } catch (error) {
      result = { outcome: 'failed' as const };
      await this.deps.recordEvent(call, 'call.transfer_error', { message: (error as Error).message });
    }
    if (result.outcome === 'connected') {
      input.handedOver();
      if (action.mode === 'warm') {
        await this.deps.recordEvent(call, 'call.transfer_briefed', {
          to: target, briefing_chars: briefing.length, briefing_ms: result.briefingMs ?? null, voice: result.briefingVoice ?? null,
        });
      }
      state.connectedAtMs = Date.now();
      return { connected: true };
    }
    await this.finish(call.id, state, result.outcome);
    return { connected: false, outcome: result.outcome === 'canceled' ? 'failed' : result.outcome };
  }

  /** The transfer leg ended (reported by the carrier). */
  async legEnded(callId: string, state: TransferState, outcome: TransferLegOutcome, legDurationS?: number): Promise<void> {
    const measured = state.connectedAtMs === undefined ? undefined : Math.round((Date.now() - state.connectedAtMs) / 1000);
    await this.finish(callId, state, outcome, outcome === 'answered' ? (legDurationS ?? measured) : undefined);
  }

  /**
   * The call ended with the transfer still pending (a cancel, the callee hanging up, a lost
   * report): it is closed now, so no call keeps a transfer that never ends. Not yet connected, it
   * was canceled; a warm transfer connected was answered (the target accepted) for as long as it
   * lasted; a cold one handed over is `unknown`, since only the carrier knows if the target picked up.
   */
  async callEnded(callId: string, state: TransferState): Promise<void> {
    if (!state.record || state.record.outcome !== 'pending') return;
    if (state.connectedAtMs === undefined) return this.finish(callId, state, 'canceled');
    if (state.record.mode === 'warm') return this.legEnded(callId, state, 'answered');
    await this.finish(callId, state, 'unknown');
  }

  private async finish(callId: string, state: TransferState, outcome: TransferLegOutcome | 'unknown', legDurationS?: number): Promise<void> {
    if (!state.record || state.record.outcome !== 'pending') return;
    state.record = { ...state.record, outcome, leg_duration_s: legDurationS ?? null, ended_at: new Date().toISOString() };
    await this.deps.records.transfer(callId, state.record, 'call.transferred');
  }
}
