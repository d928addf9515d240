/**
 * Warm transfers on Twilio. The target is called on a second leg (REST create) whose TwiML
 * whispers the agent's briefing (`<Play>` or `<Say>` inside a `<Gather>`) and asks for a key.
 * `1` joins both legs in one Conference (the callee's call is updated to it, the target's Gather
 * is answered with it; either hanging up ends it); busy, no answer, a failed leg, or a target
 * that hangs up or presses nothing is reported as such and the agent stays with the callee. Why
 * a whisper and not a second Media Stream: the accept is an explicit key, the briefing is
 * rendered once and played without a second real-time speech pipeline, and the callee's stream
 * is untouched until the target has accepted.
 *
 * The briefing is in the agent's own voice when the lane can render it (`request.speak`): the
 * audio is kept under an unguessable token and the whisper `<Play>`s it from Parley's public URL
 * (Twilio fetches it unsigned, so the token is the only key; it is forgotten when the transfer
 * is settled). Without it, or when rendering fails, Twilio `<Say>`s the same words.
 */
import { randomBytes } from 'node:crypto';
import { decodeMulaw } from '../../media/mulaw.js';
import { writeWav } from '../../media/wav.js';
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
  /** Where Twilio fetches a briefing rendered in the agent's voice. */
  readonly briefingUrl: (token: string) => string;
  /** Reports the connected leg's end on the call. */
  readonly report: (callId: string, event: CarrierEvent) => void;
  readonly log?: Logger | undefined;
  /** Rendering the briefing in the agent's voice may take this long before Twilio's voice says it instead. Default 8000 ms. */
  readonly renderTimeoutMs?: number;
  /** The longest wait for the target to accept or the leg to report. Default: see `acceptDeadlineMs`. */
  readonly acceptDeadlineMs?: number;
}

/**
 * How long a placed leg may go without accepting or reporting its end before Parley gives up on
 * it (hangs it up, and the agent comes back): the ring, the briefing at a slow 120 words a
 * minute, the accept window, and 30 s for Twilio's callbacks. Without it, one lost status
 * callback (Twilio does not retry them) would hold the callee in silence until they hung up.
 */
function acceptDeadlineMs(request: TransferRequest, words: string): number {
  const briefingMs = (words.split(/\s+/).length * 60_000) / 120;
  return (request.ringTimeoutS + acceptTimeoutS) * 1000 + briefingMs + 30_000;
}

/** A briefing's audio is forgotten after this even if its transfer never settles. */
const briefingTtlMs = 10 * 60_000;

/** How long the target has to press a key once the briefing is said. */
const acceptTimeoutS = 8;
/**
 * A transfer leg lasts at most this long (Twilio's default TimeLimit, 4 h), and so does the
 * callee's call once handed over (cold or warm): the agent's `max_duration_s` bounds the agent's
 * part, not the conversation with the person it connected.
 */
export const handedOverTimeLimitS = 4 * 3600;

function single(params: TwilioSignedParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : value?.[0];
}

export class TwilioWarmTransfers {
  private readonly pending = new Map<string, PendingTransfer>();
  /** Briefings in the agent's voice, as WAV, by token. */
  private readonly briefings = new Map<string, Buffer>();
  /** Transfers whose briefing is rendering or whose leg is being placed, aborted if the callee's call ends meanwhile. */
  private readonly starting = new Map<string, AbortController>();

  constructor(private readonly deps: WarmTransferDeps) {}

  /**
   * Calls the target and resolves once it accepted (connected) or why it did not. A callee who
   * hangs up while the briefing renders or the leg is being placed cancels it: nobody is called,
   * or the leg just placed is hung up.
   */
  async start(request: TransferRequest): Promise<TransferResult> {
    if (this.pending.has(request.callId) || this.starting.has(request.callId)) return { outcome: 'failed' };
    const callEnded = new AbortController();
    this.starting.set(request.callId, callEnded);
    let briefingToken: string | undefined;
    /** Once pending, the transfer forgets its briefing when it settles; until then, `finally` does. */
    let handedOver = false;
    try {
      const words = `${request.briefing} Press 1 to take the call.`;
      briefingToken = await this.renderBriefing(request, words, callEnded.signal);
      if (callEnded.signal.aborted) return { outcome: 'canceled' };
      const leg = await this.deps.client.createCall({
        to: request.to,
        from: request.callerId,
        twiml: buildWhisperTwiml({ words, actionUrl: this.deps.gatherUrl(request.callId), timeoutS: acceptTimeoutS, ...(briefingToken ? { playUrl: this.deps.briefingUrl(briefingToken) } : {}) }),
        statusCallbackUrl: this.deps.legStatusUrl(request.callId),
        ringTimeoutS: request.ringTimeoutS,
        timeLimitS: handedOverTimeLimitS,
      });
      this.deps.log?.info({ callId: request.callId, providerCallId: leg.sid, carrier: 'twilio' }, 'twilio warm transfer leg placed');
      if (callEnded.signal.aborted) {
        this.hangUpLeg(request.callId, leg.sid);
        return { outcome: 'canceled' };
      }
      handedOver = true;
      const token = briefingToken;
      // Pending from here on (the executor runs at once): callEnded finds it there. Its entry in
      // `starting` goes in `finally`, when the transfer settles; aborting it meanwhile is harmless.
      return await new Promise<TransferResult>((resolve) => {
        const transfer: PendingTransfer = {
          providerCallId: request.providerCallId, legSid: leg.sid, room: `parley-${request.callId}`, startedAt: Date.now(), connected: false,
          resolve: (result) => {
            clearTimeout(deadline);
            if (token) this.briefings.delete(token);
            resolve(result.outcome === 'connected' ? { ...result, briefingVoice: token ? 'agent' : 'carrier' } : result);
          },
        };
        const deadline = setTimeout(() => {
          if (this.pending.get(request.callId) !== transfer || transfer.connected) return;
          this.deps.log?.warn({ callId: request.callId, providerCallId: leg.sid, carrier: 'twilio' }, 'twilio warm transfer leg neither accepted nor reported its end in time: hung up');
          this.pending.delete(request.callId);
          this.hangUpLeg(request.callId, leg.sid);
          transfer.resolve({ outcome: 'failed' });
        }, this.deps.acceptDeadlineMs ?? acceptDeadlineMs(request, words));
        this.pending.set(request.callId, transfer);
      });
    } finally {
      this.starting.delete(request.callId);
      if (!handedOver && briefingToken) this.briefings.delete(briefingToken);
    }
  }

  /** A briefing rendered in the agent's voice, as Twilio fetches it (WAV, 16-bit 8 kHz mono); undefined once forgotten. */
  briefingAudio(token: string): Buffer | undefined {
    return this.briefings.get(token);
  }

  /** Renders the words in the agent's voice and keeps them under a new token; undefined when there is no voice or it failed. */
  private async renderBriefing(request: TransferRequest, words: string, callEnded: AbortSignal): Promise<string | undefined> {
    if (!request.speak) return undefined;
    let audio: Uint8Array;
    // The voice stops rendering when the wait is over or the call has ended, rather than finishing for nobody.
    const giveUp = new AbortController();
    const timer = setTimeout(() => giveUp.abort(), this.deps.renderTimeoutMs ?? 8_000);
    const stop = () => giveUp.abort();
    callEnded.addEventListener('abort', stop, { once: true });
    try {
      audio = await Promise.race([
        request.speak(words, giveUp.signal),
        new Promise<never>((_, reject) => {
          giveUp.signal.addEventListener('abort', () => reject(new Error('the briefing was not rendered in time')), { once: true });
        }),
      ]);
    } catch (error) {
      this.deps.log?.warn({ err: error, callId: request.callId, carrier: 'twilio' }, "twilio warm transfer briefing not rendered in the agent's voice; Twilio says it");
      return undefined;
    } finally {
      clearTimeout(timer);
      callEnded.removeEventListener('abort', stop);
    }
    const token = randomBytes(24).toString('hex');
    this.briefings.set(token, writeWav(decodeMulaw(audio), 8000));
    setTimeout(() => this.briefings.delete(token), briefingTtlMs).unref();
    return token;
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
    this.starting.get(callId)?.abort();
    const transfer = this.pending.get(callId);
    if (!transfer) return;
    this.pending.delete(callId);
    if (transfer.connected) {
      this.deps.report(callId, { type: 'transfer_ended', outcome: 'answered' });
      return;
    }
    transfer.resolve({ outcome: 'canceled' });
    this.hangUpLeg(callId, transfer.legSid);
  }

  private hangUpLeg(callId: string, legSid: string): void {
    this.deps.client.updateCall(legSid, { status: 'completed' }).catch((error: unknown) => {
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
      await this.deps.client.redirectCall(transfer.providerCallId, buildConferenceTwiml(transfer.room), { timeLimitS: handedOverTimeLimitS });
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
