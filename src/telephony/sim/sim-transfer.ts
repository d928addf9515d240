/**
 * Transfers on the simulated network. The target's last digit decides, as for any sim call:
 * 1 busy · 2 no answer · 5 the network fails the leg · 3 an answering machine (it picks up a
 * cold transfer; it cannot accept a warm one: no answer) · 4 answers, hears the briefing and
 * hangs up (declines) · anything else a person who accepts. A connected transfer lasts
 * `talkMs` of simulated time, then the target hangs up and the call ends.
 */
import { lastDigit } from '../../shared/phone.js';
import type { TransferLegOutcome, TransferRequest, TransferResult } from '../types.js';

/** Simulated times of a transfer leg. */
export const simTransferTiming = { ringMs: 2000, busyAfterMs: 1500, failAfterMs: 300, talkMs: 30_000, machineTalkMs: 15_000, hangUpAfterMs: 4000 } as const;

export interface SimTransferHost {
  later(ms: number, fn: () => void): void;
  /** Waits `ms` of simulated time: true then, false as soon as the call ends (a cancel does not wait out a ring). */
  wait(ms: number): Promise<boolean>;
  briefingMs(text: string): number;
  /** The agent drops off; callee and target talk. */
  handOver(): void;
  /**
   * Where the target's leg is, so a call that ends meanwhile (a cancel, a hang-up) reports it:
   * ringing (or being briefed) is canceled, talking ends answered for as long as it lasted.
   */
  leg(state: 'ringing' | 'talking' | null): void;
  /** The leg ended on its own: reported as the carrier reports it. */
  legEnded(outcome: TransferLegOutcome, legDurationS?: number): void;
  callEnded(reason: string): void;
  isLive(): boolean;
}

type Target = 'busy' | 'no_answer' | 'failed' | 'machine' | 'decliner' | 'person';

function targetOf(number: string): Target {
  switch (lastDigit(number)) {
    case 1:
      return 'busy';
    case 2:
      return 'no_answer';
    case 3:
      return 'machine';
    case 4:
      return 'decliner';
    case 5:
      return 'failed';
    default:
      return 'person';
  }
}

/** Runs one transfer on a live simulated call. */
export async function simTransfer(request: TransferRequest, host: SimTransferHost): Promise<TransferResult> {
  const target = targetOf(request.to);
  const t = simTransferTiming;
  const ringFor = target === 'busy' ? t.busyAfterMs : target === 'failed' ? t.failAfterMs : target === 'no_answer' ? request.ringTimeoutS * 1000 : t.ringMs;
  const unanswered: TransferLegOutcome | null = target === 'busy' ? 'busy' : target === 'no_answer' ? 'no_answer' : target === 'failed' ? 'failed' : null;

  if (request.mode === 'cold') {
    host.handOver();
    host.leg('ringing');
    host.later(ringFor, () => {
      if (!host.isLive()) return;
      if (unanswered) {
        host.legEnded(unanswered);
        host.callEnded('transfer_failed');
        return;
      }
      host.leg('talking');
      const talkMs = target === 'machine' ? t.machineTalkMs : target === 'decliner' ? t.hangUpAfterMs : t.talkMs;
      host.later(talkMs, () => {
        if (!host.isLive()) return;
        host.legEnded('answered', Math.round(talkMs / 1000));
        host.callEnded('transfer_ended');
      });
    });
    return { outcome: 'connected' };
  }

  host.leg('ringing');
  const finished = (outcome: Exclude<TransferLegOutcome, 'answered'>) => (host.leg(null), { outcome });
  if (!(await host.wait(ringFor))) return { outcome: 'canceled' };
  if (unanswered) return finished(unanswered);
  // A machine cannot take the call; the agent hears its greeting and gives up on it.
  if (target === 'machine') return finished('no_answer');
  const briefingMs = host.briefingMs(request.briefing);
  if (!(await host.wait(briefingMs))) return { outcome: 'canceled' };
  if (target === 'decliner') return finished('declined');
  host.handOver();
  host.leg('talking');
  host.later(t.talkMs, () => {
    if (!host.isLive()) return;
    host.legEnded('answered', Math.round(t.talkMs / 1000));
    host.callEnded('transfer_ended');
  });
  return { outcome: 'connected', briefingMs };
}
