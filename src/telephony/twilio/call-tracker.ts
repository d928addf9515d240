/**
 * Puts what Twilio reports of each call into the carrier contract's order. Status callbacks are
 * separate HTTP requests that can arrive late, twice or out of order, and the media stream can
 * open before the `in-progress` callback lands; the sink must still see ringing -> answered ->
 * (machine_detected, line) -> ended, each at most once, and nothing after `ended`.
 */
import { assertNever } from '../../shared/errors.js';
import type { CarrierEvent, CarrierEventSink } from '../types.js';

const stages = { new: 0, ringing: 1, answered: 2, ended: 3 } as const;
type Stage = (typeof stages)[keyof typeof stages];

interface TrackedCall {
  stage: Stage;
  machineReported: boolean;
  lineReported: boolean;
  providerCallId: string | undefined;
}

/** Per-call progress, bounded: the oldest finished calls are forgotten first. */
export class CallTracker {
  readonly #sink: CarrierEventSink;
  readonly #calls = new Map<string, TrackedCall>();
  readonly #callIdBySid = new Map<string, string>();
  readonly #maxTrackedCalls: number;

  constructor(sink: CarrierEventSink, options: { readonly maxTrackedCalls?: number } = {}) {
    this.#sink = sink;
    // 10 000 finished calls is hours of traffic for one process: long past any late callback.
    this.#maxTrackedCalls = options.maxTrackedCalls ?? 10_000;
  }

  /** Records which Twilio call carries `callId`. */
  placed(callId: string, providerCallId: string): void {
    this.#get(callId).providerCallId = providerCallId;
    this.#callIdBySid.set(providerCallId, callId);
  }

  /** The Twilio Call SID known for `callId`, if any. */
  providerCallId(callId: string): string | undefined {
    return this.#calls.get(callId)?.providerCallId;
  }

  /** Whether the call behind a Twilio Call SID is known to be answered (and not yet ended). */
  isAnswered(providerCallId: string): boolean {
    const callId = this.#callIdBySid.get(providerCallId);
    return callId !== undefined && this.#calls.get(callId)?.stage === stages.answered;
  }

  /** Whether `callId` has ended. */
  hasEnded(callId: string): boolean {
    return this.#calls.get(callId)?.stage === stages.ended;
  }

  /** Passes `event` on if it moves the call forward; returns whether anything reached the sink. */
  report(callId: string, event: CarrierEvent): boolean {
    const call = this.#get(callId);
    if (call.stage === stages.ended) return false;
    switch (event.type) {
      case 'ringing':
        return this.#advance(callId, call, stages.ringing, event);
      case 'answered':
        return this.#advance(callId, call, stages.answered, event);
      case 'machine_detected':
      case 'line': {
        // Both prove the call was answered; make sure the sink heard so first.
        if (call.stage < stages.answered) this.#advance(callId, call, stages.answered, { type: 'answered', answeredBy: 'unknown' });
        if (event.type === 'machine_detected') {
          if (call.machineReported) return false;
          call.machineReported = true;
        } else {
          if (call.lineReported) return false;
          call.lineReported = true;
        }
        this.#sink(callId, event);
        return true;
      }
      case 'transfer_ended':
        if (call.stage < stages.answered) return false;
        this.#sink(callId, event);
        return true;
      case 'ended': {
        const advanced = this.#advance(callId, call, stages.ended, event);
        this.#prune();
        return advanced;
      }
      default:
        return assertNever(event);
    }
  }

  #advance(callId: string, call: TrackedCall, stage: Stage, event: CarrierEvent): boolean {
    if (stage <= call.stage) return false;
    call.stage = stage;
    this.#sink(callId, event);
    return true;
  }

  #get(callId: string): TrackedCall {
    let call = this.#calls.get(callId);
    if (!call) {
      call = { stage: stages.new, machineReported: false, lineReported: false, providerCallId: undefined };
      this.#calls.set(callId, call);
    }
    return call;
  }

  #prune(): void {
    if (this.#calls.size <= this.#maxTrackedCalls) return;
    for (const [callId, call] of this.#calls) {
      if (this.#calls.size <= this.#maxTrackedCalls) break;
      if (call.stage !== stages.ended) continue;
      this.#calls.delete(callId);
      if (call.providerCallId !== undefined) this.#callIdBySid.delete(call.providerCallId);
    }
  }
}
