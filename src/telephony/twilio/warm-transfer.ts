/**
 * Warm transfers on Twilio. The target is called on a second leg (REST create) whose TwiML
 * whispers the agent's briefing (`<Say>` inside a `<Gather>`) and asks for a key. `1` joins both
 * legs in one Conference (the callee's call is updated to it, the target's Gather is answered
 * with it; either hanging up ends it); busy, no answer, a failed leg, or a target that hangs up or
 * presses nothing is reported as such and the agent stays with the callee. Why a whisper and not
 * a second Media Stream: the accept is an explicit key, Twilio speaks the summary without a
 * second speech pipeline, and the callee's stream is untouched until the target has accepted.
 */
import type { Logger } from '../../shared/logger.js';
import type { CarrierEvent, TransferRequest, TransferResult } from '../types.js';
import type { TwilioApiClient } from './api-client.js';
import type { TwilioSignedParams } from './signature.js';
import { buildConferenceTwiml, buildHangupTwiml, buildWhisperTwiml } from './twiml.js';

interface PendingTransfer {
  readonly providerCallId: string;
  readonly legSid: string;
  readonly room: string;
  readonly startedAt: number;
  connected: boolean;
  readonly resolve: (result: TransferResult) => void;
}

export interface WarmTransferDeps {
  readonly client: TwilioApiClient;
  /** The target leg's status callback URL, and its Gather's action URL. */
  readonly legStatusUrl: (callId: string) => string;
  readonly gatherUrl: (callId: string) => string;
  /** Reports the connected leg's end on the call. */
  readonly report: (callId: string, event: CarrierEvent) => void;
  readonly log?: Logger | undefined;
}

/** How long the target has to press a key once the briefing is said. */
const acceptTimeoutS = 8;
/** A transfer leg lasts at most this long (Twilio's own cap is 4 h). */
const legTimeLimitS = 4 * 3600;

function single(params: TwilioSignedParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : value?.[0];
}

export class TwilioWarmTransfers {
  private readonly pending = new Map<string, PendingTransfer>();

  constructor(private readonly deps: WarmTransferDeps) {}

  /** Calls the target and resolves once it accepted (connected) or why it did not. */
  async start(request: TransferRequest): Promise<TransferResult> {
    if (this.pending.has(request.callId)) return { outcome: 'failed' };
    const leg = await this.deps.client.createCall({
      to: request.to,
      from: request.callerId,
      twiml: buildWhisperTwiml({ briefing: request.briefing, actionUrl: this.deps.gatherUrl(request.callId), timeoutS: acceptTimeoutS }),
      statusCallbackUrl: this.deps.legStatusUrl(request.callId),
      ringTimeoutS: request.ringTimeoutS,
      timeLimitS: legTimeLimitS,
    });
    this.deps.log?.info({ callId: request.callId, providerCallId: leg.sid, carrier: 'twilio' }, 'twilio warm transfer leg placed');
    return new Promise<TransferResult>((resolve) => {
      this.pending.set(request.callId, {
        providerCallId: request.providerCallId, legSid: leg.sid, room: `parley-${request.callId}`, startedAt: Date.now(), connected: false, resolve,
      });
    });
  }

  /** A status callback of a target leg. Before the accept its end says why the transfer failed; after it, how long the leg lasted. */
  legStatus(callId: string, params: TwilioSignedParams): void {
    const transfer = this.pending.get(callId);
    const status = single(params, 'CallStatus');
    if (!transfer || single(params, 'CallSid') !== transfer.legSid) return;
    const outcome = ({ busy: 'busy', 'no-answer': 'no_answer', failed: 'failed', canceled: 'canceled', completed: 'declined' } as const)[status as 'busy'];
    if (!outcome) return;
    this.pending.delete(callId);
    if (!transfer.connected) {
      transfer.resolve({ outcome });
      return;
    }
    const duration = Number(single(params, 'CallDuration'));
    this.deps.report(callId, { type: 'transfer_ended', outcome: 'answered', ...(Number.isFinite(duration) && duration >= 0 ? { legDurationS: Math.round(duration) } : {}) });
  }

  /**
   * The callee's call ended. A connected transfer's leg is over with it (the conference ends when
   * either leaves): its end goes on record before the call's. One still ringing or whispering is
   * given up: the target's leg is hung up, and the transfer resolves `canceled`.
   */
  callEnded(callId: string): void {
    const transfer = this.pending.get(callId);
    if (!transfer) return;
    this.pending.delete(callId);
    if (transfer.connected) {
      this.deps.report(callId, { type: 'transfer_ended', outcome: 'answered' });
      return;
    }
    transfer.resolve({ outcome: 'canceled' });
    this.deps.client.updateCall(transfer.legSid, { status: 'completed' }).catch((error: unknown) => {
      this.deps.log?.warn({ err: error, callId, carrier: 'twilio' }, 'twilio warm transfer leg could not be hung up');
    });
  }

  /** The target's key at the whisper: `1` joins the two legs in the conference; the TwiML answered runs on the target's leg. */
  async gathered(callId: string, params: TwilioSignedParams): Promise<string> {
    const transfer = this.pending.get(callId);
    if (!transfer || transfer.connected || single(params, 'CallSid') !== transfer.legSid) return buildHangupTwiml();
    if (single(params, 'Digits') !== '1') return buildHangupTwiml();
    try {
      // The callee's call goes into the room first (its Media Stream ends: the agent leaves), then the target joins.
      await this.deps.client.redirectCall(transfer.providerCallId, buildConferenceTwiml(transfer.room));
    } catch (error) {
      this.deps.log?.warn({ err: error, callId, carrier: 'twilio' }, 'twilio warm transfer could not move the callee to the conference');
      this.pending.delete(callId);
      transfer.resolve({ outcome: 'failed' });
      return buildHangupTwiml();
    }
    transfer.connected = true;
    transfer.resolve({ outcome: 'connected', briefingMs: Date.now() - transfer.startedAt });
    return buildConferenceTwiml(transfer.room);
  }
}
