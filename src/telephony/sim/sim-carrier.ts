/**
 * The simulated phone network (carrier `sim`). The callee is decided by the number's last digit
 * so anyone can reproduce an outcome:
 *   0, 6-9 a person answers and talks · 1 busy · 2 no answer · 3 answering machine (greeting, beep)
 *   4 answers, hangs up after the agent's first turn · 5 the carrier fails the call.
 */
import { newId } from '../../shared/ids.js';
import { lastDigit } from '../../shared/phone.js';
import type { CallLine, Carrier, CarrierEventSink, DialRequest } from '../types.js';
import { speakingMs, type SimClock } from './pace.js';
import { simTransfer } from './sim-transfer.js';
import { answeringMachineGreeting, cooperativePersona, scriptedPersona, type PersonaLookup } from './personas.js';
import { SimTextLine, type SimCallee, type SimLineOptions } from './sim-line.js';

/** A line of an answered simulated call, which the carrier can end. */
export type SimLine = CallLine & { end(): void };

/** Simulated-time delays that make calls feel like calls. */
const ringBeforeAnswerMs = 2000;
const ringBeforeBusyMs = 1500;
const failAfterMs = 300;
/** An answering machine stops recording after this long. */
const machineRecordingLimitMs = 60_000;

export interface SimCarrierOptions {
  readonly sink: CarrierEventSink;
  readonly clock: SimClock;
  readonly personas?: PersonaLookup;
  /** Makes the line of an answered call: the text lane by default (the voice module passes the audio lane). */
  readonly createLine?: (options: SimLineOptions) => SimLine;
  /** What the lines `createLine` makes carry (default text). */
  readonly lines?: 'text' | 'audio';
}

/**
 * The simulated network knows who answers and says so when asked (`detectVoicemail`): carrier
 * detection, the default. On the audio lane the machine's greeting is real recorded audio ending
 * in a beep, so an agent set to `parley` detection has Parley's own detector hear it end to end.
 */
const simMachines: Carrier['machines'] = { carrierDetects: true, defaultDetection: 'carrier' };

interface SimCall {
  readonly request: DialRequest;
  answered: boolean;
  ended: boolean;
  line: SimLine | undefined;
  cancelTimers: (() => void)[];
  /** The agent's time limit: it stops once the callee is handed to a person. */
  cancelTimeLimit?: () => void;
  /** A transfer leg in progress, and since when (real ms) it has been in that state. */
  leg?: { readonly state: 'ringing' | 'talking'; readonly sinceMs: number } | undefined;
  /** Told when the call ends (waits of a transfer in progress). */
  readonly onEnd: Set<() => void>;
}

export function createSimCarrier(options: SimCarrierOptions): Carrier & { readonly liveCount: () => number } {
  const { sink, clock } = options;
  const live = new Map<string, SimCall>();

  function end(providerCallId: string, outcome: 'completed' | 'busy' | 'no_answer' | 'failed' | 'canceled', reason?: string): void {
    const call = live.get(providerCallId);
    if (!call || call.ended) return;
    call.ended = true;
    for (const cancel of call.cancelTimers) cancel();
    live.delete(providerCallId);
    call.line?.end();
    // A transfer leg still up ends with the call, and says how far it got, before the call's end.
    if (call.leg) {
      const talkedS = Math.round(clock.elapsedMs(call.leg.sinceMs) / 1000);
      sink(call.request.callId, call.leg.state === 'talking' ? { type: 'transfer_ended', outcome: 'answered', legDurationS: talkedS } : { type: 'transfer_ended', outcome: 'canceled' });
      call.leg = undefined;
    }
    for (const told of call.onEnd) told();
    sink(call.request.callId, { type: 'ended', outcome, ...(reason ? { reason } : {}) });
  }

  function later(call: SimCall, ms: number, fn: () => void): void {
    call.cancelTimers.push(clock.setTimer(ms, fn));
  }

  async function answer(providerCallId: string, call: SimCall, callee: SimCallee): Promise<void> {
    if (call.ended) return;
    const { request } = call;
    let registered: Awaited<ReturnType<NonNullable<PersonaLookup>>>;
    try {
      registered = await options.personas?.(request.orgId, request.to);
    } catch {
      // The store is gone (shutting down) or failing: the network fails the call rather than hang.
      return end(providerCallId, 'failed', 'network_error');
    }
    if (call.ended) return;
    call.answered = true;
    const machine = callee === 'answering_machine';
    // Asked to detect, the network says who answered; else the answer is just an answer.
    sink(request.callId, { type: 'answered', answeredBy: request.detectVoicemail ? (machine ? 'machine' : 'human') : 'unknown' });
    const createLine = options.createLine ?? ((lineOptions: SimLineOptions) => new SimTextLine(lineOptions));
    const line = createLine({
      persona: registered ?? scriptedPersona(cooperativePersona),
      callee,
      clock,
      machineGreeting: answeringMachineGreeting,
      onBeep: () => {
        if (request.detectVoicemail) sink(request.callId, { type: 'machine_detected', answeredBy: 'machine', beep: true, greetingEnd: 'beep', detail: 'machine_end_beep' });
        later(call, machineRecordingLimitMs, () => end(providerCallId, 'completed', 'machine_hung_up'));
      },
      onAgentHangUp: () => end(providerCallId, 'completed', 'agent_hung_up'),
      onContactHangUp: () => end(providerCallId, 'completed', 'contact_hung_up'),
    });
    call.line = line;
    call.cancelTimeLimit = clock.setTimer(request.timeLimitS * 1000, () => end(providerCallId, 'completed', 'time_limit'));
    call.cancelTimers.push(call.cancelTimeLimit);
    sink(request.callId, { type: 'line', line });
  }

  return {
    id: 'sim',
    lines: options.lines ?? 'text',
    machines: simMachines,
    clock,
    liveCount: () => live.size,
    async dial(request) {
      const providerCallId = newId('sim');
      const call: SimCall = { request, answered: false, ended: false, line: undefined, cancelTimers: [], onEnd: new Set() };
      live.set(providerCallId, call);
      const digit = lastDigit(request.to);
      // Progress is reported after dial() returns, as a real carrier's callbacks would be.
      queueMicrotask(() => {
        if (digit === 5) return later(call, failAfterMs, () => end(providerCallId, 'failed', 'carrier_rejected'));
        sink(request.callId, { type: 'ringing' });
        switch (digit) {
          case 1:
            return later(call, ringBeforeBusyMs, () => end(providerCallId, 'busy'));
          case 2:
            return later(call, request.ringTimeoutS * 1000, () => end(providerCallId, 'no_answer'));
          case 3:
            return later(call, ringBeforeAnswerMs, () => void answer(providerCallId, call, 'answering_machine'));
          case 4:
            return later(call, ringBeforeAnswerMs, () => void answer(providerCallId, call, 'hangs_up_after_first_turn'));
          default:
            return later(call, ringBeforeAnswerMs, () => void answer(providerCallId, call, 'person'));
        }
      });
      return { providerCallId };
    },
    async hangUp(providerCallId) {
      const call = live.get(providerCallId);
      if (!call) return;
      end(providerCallId, call.answered ? 'completed' : 'canceled', 'agent_hung_up');
    },
    transferModes: ['cold', 'warm'],
    async transfer(request) {
      const call = live.get(request.providerCallId);
      if (!call || !call.answered || call.ended) return { outcome: 'failed' };
      return simTransfer(request, {
        later: (ms, fn) => later(call, ms, fn),
        wait: (ms) =>
          new Promise<boolean>((resolve) => {
            if (call.ended) return resolve(false);
            const told = () => resolve(false);
            call.onEnd.add(told);
            later(call, ms, () => (call.onEnd.delete(told), resolve(true)));
          }),
        briefingMs: (text) => speakingMs(text, 165),
        // The agent leaves: its line is over, the call goes on between callee and target, and
        // the agent's time limit with it (it bounds the agent's part, not the person's).
        handOver: () => {
          const line = call.line;
          call.line = undefined;
          line?.end();
          call.cancelTimeLimit?.();
        },
        leg: (state) => (call.leg = state ? { state, sinceMs: Date.now() } : undefined),
        legEnded: (outcome, legDurationS) => {
          call.leg = undefined;
          sink(request.callId, { type: 'transfer_ended', outcome, ...(legDurationS !== undefined ? { legDurationS } : {}) });
        },
        callEnded: (reason) => end(request.providerCallId, 'completed', reason),
        isLive: () => !call.ended,
      });
    },
  };
}
