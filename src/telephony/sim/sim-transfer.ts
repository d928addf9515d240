/**
 * Transfers on the simulated network. The target's last digit decides, as for any sim call:
 * 1 busy · 2 no answer · 5 the network fails the leg · 3 an answering machine (it picks up a
 * cold transfer; it cannot accept a warm one: no answer) · 4 answers, hears the briefing and
 * hangs up (declines) · anything else a person who accepts. A connected transfer lasts
 * `talkMs` of simulated time, then the target hangs up and the call ends.
 */
import { lastDigit } from '../../shared/phone.js';
import type { TransferLegOutcome, TransferRequest, TransferResult } from '../types.js';
import type { SimClock } from './pace.js';

/** Simulated times of a transfer leg. */
export const simTransferTiming = { ringMs: 2000, busyAfterMs: 1500, failAfterMs: 300, talkMs: 30_000, machineTalkMs: 15_000, hangUpAfterMs: 4000 } as const;

export interface SimTransferHost {
  readonly clock: SimClock;
  later(ms: number, fn: () => void): void;
  briefingMs(text: string): number;
  /** The agent drops off; callee and target talk. */
  handOver(): void;
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
    host.later(ringFor, () => {
      if (!host.isLive()) return;
      if (unanswered) {
        host.legEnded(unanswered);
        host.callEnded('transfer_failed');
        return;
      }
      const talkMs = target === 'machine' ? t.machineTalkMs : target === 'decliner' ? t.hangUpAfterMs : t.talkMs;
      host.later(talkMs, () => {
        if (!host.isLive()) return;
        host.legEnded('answered', Math.round(talkMs / 1000));
        host.callEnded('transfer_ended');
      });
    });
    return { outcome: 'connected' };
  }

  await host.clock.sleep(ringFor);
  if (!host.isLive()) return { outcome: 'canceled' };
  if (unanswered) return { outcome: unanswered };
  // A machine cannot take the call; the agent hears its greeting and gives up on it.
  if (target === 'machine') return { outcome: 'no_answer' };
  const briefingMs = host.briefingMs(request.briefing);
  await host.clock.sleep(briefingMs);
  if (!host.isLive()) return { outcome: 'canceled' };
  if (target === 'decliner') return { outcome: 'declined' };
  host.handOver();
  host.later(t.talkMs, () => {
    if (!host.isLive()) return;
    host.legEnded('answered', Math.round(t.talkMs / 1000));
    host.callEnded('transfer_ended');
  });
  return { outcome: 'connected', briefingMs };
}
