/** The Twilio carrier: dials through the REST API; status callbacks and Media Streams come back in. */
import type { WebSocket } from 'ws';
import type { Logger } from '../../shared/logger.js';
import type { Carrier, CarrierEventSink, DialRequest, TransferRequest, TransferResult } from '../types.js';
import { TwilioApiClient } from './api-client.js';
import { CallTracker } from './call-tracker.js';
import { acceptTwilioMediaStream, type TwilioMediaLine } from './media-line.js';
import { parseTwilioOptions, publicWsUrl, type TwilioOptions, type TwilioOptionsInput } from './options.js';
import { verifyTwilioSignature, type TwilioSignedParams } from './signature.js';
import { mapAmdCallback, mapDialAction, mapStatusCallback } from './status.js';
import { buildConnectStreamTwiml, buildHangupTwiml, buildTransferDialTwiml } from './twiml.js';
import { TwilioWarmTransfers, handedOverTimeLimitS } from './warm-transfer.js';

/** What the carrier needs from its host. */
export interface TwilioCarrierDeps {
  /** Receives every call's progress, in order. */
  readonly sink: CarrierEventSink;
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
}

/** A signed HTTP request from Twilio: the full URL it requested, its form fields, its X-Twilio-Signature. */
export interface TwilioSignedRequest {
  readonly url: string;
  readonly params: TwilioSignedParams;
  readonly signature: string | undefined;
}

/** The WebSocket upgrade of a Media Stream: its full wss URL and X-Twilio-Signature. */
export interface TwilioUpgradeRequest {
  readonly url: string;
  readonly signature: string | undefined;
  /** The call the stream's URL is for (`<mediaStreamPath>/<callId>`); its `start` must name the same. */
  readonly callId?: string | undefined;
}

/** The route answers 403 for `bad_signature`, 400 for `bad_request`, 204 otherwise. */
export type TwilioCallbackResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'bad_signature' | 'bad_request' };

/** Whether a Media Stream became a call's line, and why not. */
export type TwilioMediaResult =
  | { readonly ok: true; readonly callId: string; readonly line: TwilioMediaLine }
  | { readonly ok: false; readonly reason: 'bad_signature' | 'no_start' | 'unknown_call' | 'call_ended' | 'line_taken' };

/** Twilio call control plus the inbound handlers the HTTP routes call. */
export interface TwilioCarrier extends Carrier {
  readonly id: 'twilio';
  readonly options: TwilioOptions;
  /** The wss URL Twilio opens the Media Stream to. */
  readonly mediaStreamUrl: string;
  /** Where Twilio posts a call's status (`source: 'amd'` for the async AMD result). */
  statusCallbackUrl(callId: string, source?: 'status' | 'amd'): string;
  /** Verifies, maps and forwards one status or AMD callback. */
  handleStatusCallback(request: TwilioSignedRequest): TwilioCallbackResult;
  /** A transfer `<Dial>`'s action callback (or a warm transfer's whisper key): answers with the TwiML to run next. */
  handleTransferAction(request: TwilioSignedRequest): Promise<TwilioCallbackResult & { readonly twiml?: string }>;
  /** A warm transfer's briefing in the agent's voice, by the token in its URL (WAV); undefined when unknown or settled. */
  briefingAudio(token: string): Buffer | undefined;
  /** Checks a Media Stream upgrade's signature (over the wss URL, no parameters). */
  verifyMediaUpgrade(request: TwilioUpgradeRequest): boolean;
  /**
   * Takes over an accepted Media Stream socket: attaches at once, waits for `start`, then hands
   * the line to the sink as `{type:'line'}`. Refused streams are closed.
   */
  handleMediaConnection(socket: WebSocket, request: TwilioUpgradeRequest): Promise<TwilioMediaResult>;
}

// Twilio's bounds: Timeout (ring) at most 600 s, TimeLimit at most 24 h.
const maxRingTimeoutS = 600;
const maxTimeLimitS = 86_400;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(value)));
}

/** Builds the Twilio carrier; `options` are parsed and defaulted (a bad option throws a ZodError). */
export function createTwilioCarrier(options: TwilioOptionsInput, deps: TwilioCarrierDeps): TwilioCarrier {
  const resolved = parseTwilioOptions(options);
  const client = new TwilioApiClient({
    accountSid: resolved.accountSid,
    authToken: resolved.authToken,
    apiBaseUrl: resolved.apiBaseUrl,
    requestTimeoutMs: resolved.requestTimeoutMs,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const tracker = new CallTracker(deps.sink);
  const mediaStreamUrl = `${publicWsUrl(resolved)}${resolved.mediaStreamPath}`;
  const log = deps.logger;

  function statusCallbackUrl(callId: string, source: 'status' | 'amd' | 'transfer' = 'status'): string {
    const query = new URLSearchParams({ callId });
    if (source !== 'status') query.set('source', source);
    return `${resolved.publicUrl}${resolved.statusCallbackPath}?${query.toString()}`;
  }

  const transferActionUrl = (callId: string, leg?: 'warm') =>
    `${resolved.publicUrl}${resolved.transferActionPath}?${new URLSearchParams({ callId, ...(leg ? { leg } : {}) }).toString()}`;
  const warm = new TwilioWarmTransfers({
    client, log, report: (callId, event) => tracker.report(callId, event),
    legStatusUrl: (callId) => statusCallbackUrl(callId, 'transfer'),
    gatherUrl: (callId) => transferActionUrl(callId, 'warm'),
    briefingUrl: (token) => `${resolved.publicUrl}${resolved.transferActionPath}/briefings/${token}.wav`,
  });

  async function dial(request: DialRequest): Promise<{ readonly providerCallId: string }> {
    const call = await client.createCall({
      to: request.to,
      from: request.from,
      // The call's own stream URL: Twilio signs the URL, so each call's upgrade carries its own
      // signature, and one seen once (a proxy's log) opens no other call's stream.
      twiml: buildConnectStreamTwiml(`${mediaStreamUrl}/${encodeURIComponent(request.callId)}`, { callId: request.callId }),
      statusCallbackUrl: statusCallbackUrl(request.callId),
      ringTimeoutS: clamp(request.ringTimeoutS, 1, maxRingTimeoutS),
      timeLimitS: clamp(request.timeLimitS, 1, maxTimeLimitS),
      ...(request.detectVoicemail
        ? { machineDetection: { mode: request.awaitGreetingEnd === false ? ('Enable' as const) : ('DetectMessageEnd' as const), callbackUrl: statusCallbackUrl(request.callId, 'amd') } }
        : {}),
    });
    tracker.placed(request.callId, call.sid);
    log?.info({ callId: request.callId, providerCallId: call.sid, carrier: 'twilio' }, 'twilio call placed');
    return { providerCallId: call.sid };
  }

  async function hangUp(providerCallId: string): Promise<void> {
    if (tracker.isAnswered(providerCallId)) {
      await client.updateCall(providerCallId, { status: 'completed' });
      return;
    }
    // `canceled` leaves an answered call alone: if it was answered meanwhile, end it properly.
    const call = await client.updateCall(providerCallId, { status: 'canceled' });
    if (call.status === 'in-progress') await client.updateCall(providerCallId, { status: 'completed' });
  }

  function handleStatusCallback(request: TwilioSignedRequest): TwilioCallbackResult {
    if (!verifyTwilioSignature({ authToken: resolved.authToken, ...request })) {
      log?.warn({ carrier: 'twilio' }, 'twilio status callback with an invalid signature');
      return { ok: false, reason: 'bad_signature' };
    }
    let query: URLSearchParams;
    try {
      query = new URL(request.url).searchParams;
    } catch {
      return { ok: false, reason: 'bad_request' };
    }
    const callId = query.get('callId');
    if (!callId) return { ok: false, reason: 'bad_request' };
    const callSid = request.params['CallSid'];
    if (query.get('source') !== 'transfer' && typeof callSid === 'string') {
      const knownSid = tracker.providerCallId(callId);
      // A callback about another Twilio call than the one carrying callId is not this call's.
      if (knownSid !== undefined && knownSid !== callSid) return { ok: false, reason: 'bad_request' };
      // A callback can beat the dial's own response: it names the call first.
      if (knownSid === undefined) tracker.placed(callId, callSid);
    }
    // A warm transfer's target leg reports to its own transfer, not as the call.
    if (query.get('source') === 'transfer') {
      warm.legStatus(callId, request.params);
      return { ok: true };
    }
    const event = query.get('source') === 'amd' ? mapAmdCallback(request.params) : mapStatusCallback(request.params);
    if (event?.type === 'ended') warm.callEnded(callId);
    if (event) tracker.report(callId, event);
    return { ok: true };
  }

  /**
   * Cold transfer: the live call's TwiML is replaced by a `<Dial>` to the target with the
   * agent's number as caller id. Twilio stops the Media Stream (the agent leaves) and reports
   * the leg's end to the action URL. Warm transfer: see warm-transfer.ts (a whispered second
   * leg, then a Conference).
   */
  async function transfer(request: TransferRequest): Promise<TransferResult> {
    if (request.mode === 'warm') return warm.start(request);
    const actionUrl = transferActionUrl(request.callId);
    await client.redirectCall(
      request.providerCallId,
      buildTransferDialTwiml({ to: request.to, callerId: request.callerId, actionUrl, timeoutS: clamp(request.ringTimeoutS, 5, maxRingTimeoutS) }),
      { timeLimitS: handedOverTimeLimitS },
    );
    log?.info({ callId: request.callId, providerCallId: request.providerCallId, carrier: 'twilio' }, 'twilio call handed to a transfer dial');
    return { outcome: 'connected' };
  }

  async function handleTransferAction(request: TwilioSignedRequest): Promise<TwilioCallbackResult & { readonly twiml?: string }> {
    if (!verifyTwilioSignature({ authToken: resolved.authToken, ...request })) {
      log?.warn({ carrier: 'twilio' }, 'twilio transfer action with an invalid signature');
      return { ok: false, reason: 'bad_signature' };
    }
    let query: URLSearchParams;
    try {
      query = new URL(request.url).searchParams;
    } catch {
      return { ok: false, reason: 'bad_request' };
    }
    const callId = query.get('callId');
    if (callId && query.get('leg') === 'warm') return { ok: true, twiml: await warm.gathered(callId, request.params) };
    const leg = mapDialAction(request.params);
    if (!callId || !leg) return { ok: false, reason: 'bad_request' };
    tracker.report(callId, { type: 'transfer_ended', outcome: leg.outcome, ...(leg.legDurationS !== undefined ? { legDurationS: leg.legDurationS } : {}) });
    // The callee's side is over once the transfer leg is: the call ends.
    return { ok: true, twiml: buildHangupTwiml() };
  }

  function verifyMediaUpgrade(request: TwilioUpgradeRequest): boolean {
    return verifyTwilioSignature({ authToken: resolved.authToken, url: request.url, params: {}, signature: request.signature });
  }

  async function handleMediaConnection(socket: WebSocket, request: TwilioUpgradeRequest): Promise<TwilioMediaResult> {
    if (!verifyMediaUpgrade(request)) {
      socket.close(1008, 'invalid signature');
      return { ok: false, reason: 'bad_signature' };
    }
    let line: TwilioMediaLine;
    try {
      line = await acceptTwilioMediaStream(socket, { startTimeoutMs: resolved.streamStartTimeoutMs });
    } catch {
      log?.warn({ carrier: 'twilio' }, 'twilio media stream closed or timed out before start');
      return { ok: false, reason: 'no_start' };
    }
    const { callId, callSid, accountSid, streamSid } = line.stream;
    // Only a call this process placed (its Call SID known from the dial or a status callback,
    // which both come before Twilio can answer and stream) gets its line; anything else is hung
    // up at once rather than left open, its audio queued for nobody.
    const knownSid = callId === undefined ? undefined : tracker.providerCallId(callId);
    if (callId === undefined || callId !== request.callId || accountSid !== resolved.accountSid || knownSid === undefined || knownSid !== callSid) {
      log?.warn({ carrier: 'twilio', streamSid }, 'twilio media stream for an unknown call');
      line.hangUp();
      return { ok: false, reason: 'unknown_call' };
    }
    // Refused once the call has ended, and for a call that already has its line: a second stream
    // (a replayed upgrade) must not hear or speak on it.
    if (!tracker.report(callId, { type: 'line', line })) {
      line.hangUp();
      if (tracker.hasEnded(callId)) return { ok: false, reason: 'call_ended' };
      log?.warn({ callId, carrier: 'twilio', streamSid }, 'twilio media stream for a call that already has one');
      return { ok: false, reason: 'line_taken' };
    }
    log?.info({ callId, providerCallId: callSid, streamSid, carrier: 'twilio' }, 'twilio media stream started');
    return { ok: true, callId, line };
  }

  return {
    id: 'twilio',
    lines: 'audio',
    machines: { carrierDetects: true, defaultDetection: 'carrier' },
    options: resolved,
    mediaStreamUrl,
    statusCallbackUrl,
    dial,
    hangUp,
    handleStatusCallback,
    handleTransferAction,
    briefingAudio: (token) => warm.briefingAudio(token),
    transfer,
    transferModes: ['cold', 'warm'],
    verifyMediaUpgrade,
    handleMediaConnection,
  };
}
