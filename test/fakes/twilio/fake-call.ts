/**
 * One call placed on the fake Twilio: rings, answers or fails per the callee's script, posts
 * signed status (and async AMD) callbacks in order, runs the TwiML's Media Stream, and ends on
 * a REST hang-up, the callee hanging up, the time limit, or Parley closing the stream.
 */
import { performance } from 'node:perf_hooks';
import { FakeMediaStream, type ScheduledDigit, type ScheduledSpeech } from './fake-stream.js';
import type { StreamTicker } from './stream-ticker.js';
import { parseTwiml, signTwilio, type ParsedTwiml } from './wire.js';

/** AnsweredBy values answering-machine detection can report. */
export const answeredByValues = [
  'human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown',
] as const;
/** One of `answeredByValues`. */
export type FakeAnsweredBy = (typeof answeredByValues)[number];

/** How the number's owner behaves. Times are ms (scaled by the fake's speed). */
export type CalleeScript =
  | {
      readonly outcome: 'answer';
      /** Ring time before answering (default 20). Longer than the call's Timeout means no-answer. */
      readonly ringMs?: number;
      /** Who AMD says answered, when Parley asked for detection (default human). */
      readonly answeredBy?: FakeAnsweredBy;
      /** How long AMD takes after answer (default 30). */
      readonly amdMs?: number;
      /** Callee audio, ms after the stream started. */
      readonly speech?: readonly ScheduledSpeech[];
      readonly dtmf?: readonly ScheduledDigit[];
      /** The callee hangs up this long after answering. */
      readonly hangUpAfterMs?: number;
      /** Send only real audio, not 20 ms silence frames (default false: Twilio always sends frames). */
      readonly quiet?: boolean;
      /** Keys pressed at a `<Gather>` (a warm transfer's whisper); none lets it time out. */
      readonly gatherDigits?: string;
    }
  | { readonly outcome: 'busy'; readonly ringMs?: number }
  | { readonly outcome: 'no-answer' }
  | { readonly outcome: 'failed'; readonly sipResponseCode?: number };

/** A number a `<Dial>` rang and how its leg went. */
export interface FakeDialLeg {
  readonly number: string;
  readonly callerId: string | undefined;
  readonly sid: string;
  status: 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed';
  durationS: number;
}

/** A Call resource's status on the fake. */
export type FakeCallStatus = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';

/** A status or AMD callback the fake posted, and what Parley answered. */
export interface PostedCallback {
  readonly kind: 'status' | 'amd' | 'action';
  readonly url: string;
  readonly params: Readonly<Record<string, string>>;
  readonly signature: string;
  readonly responseStatus: number | undefined;
  readonly error: string | undefined;
}

/** The form fields of a create request that the call runs on. */
export interface CallRequest {
  readonly to: string;
  readonly from: string;
  readonly twiml: ParsedTwiml;
  readonly statusCallback: string | undefined;
  readonly statusCallbackEvents: readonly string[];
  readonly timeoutS: number;
  readonly timeLimitS: number;
  readonly machineDetection: 'Enable' | 'DetectMessageEnd' | undefined;
  readonly asyncAmd: boolean;
  readonly asyncAmdStatusCallback: string | undefined;
}

interface CallEnv {
  readonly accountSid: string;
  readonly authToken: string;
  readonly speed: number;
  readonly streamSignatureOverride: string | undefined;
  readonly ticker: StreamTicker;
  readonly recordTraffic: boolean;
  readonly onChange: () => void;
  /** Conference rooms of the account: who is in each. */
  readonly conferences: Map<string, Set<FakeTwilioCall>>;
}

const terminal: ReadonlySet<FakeCallStatus> = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);
const sipCodes: Partial<Record<FakeCallStatus, string>> = { completed: '200', busy: '486', 'no-answer': '487', canceled: '487' };

/** One call on the fake: its request, script, status, callbacks and stream. */
export class FakeTwilioCall {
  readonly sid: string;
  readonly request: CallRequest;
  readonly script: CalleeScript;
  status: FakeCallStatus = 'queued';
  answeredBy: FakeAnsweredBy | undefined;
  stream: FakeMediaStream | undefined;
  readonly callbacks: PostedCallback[] = [];
  /** TwiML the call was redirected to by REST updates, in order. */
  readonly redirects: ParsedTwiml[] = [];
  /** What a `<Play>` fetched: Twilio GETs the URL (unsigned) and plays the audio it got. */
  readonly played: { readonly url: string; readonly status: number; readonly contentType: string | null; readonly body: Buffer }[] = [];
  /** Legs `<Dial>` rang. */
  readonly dials: FakeDialLeg[] = [];
  readonly createdAt = performance.now();
  answeredAt: number | undefined;
  /** Stream time when the async AMD result was posted (undefined with no stream open then). */
  amdPostedAtStreamMs: number | undefined;
  endedAt: number | undefined;
  /** The conference room the call is in, if any. */
  conference: { readonly room: string; readonly endOnExit: boolean } | undefined;
  /** The call's TimeLimit now (the create request's, or a REST update's). */
  timeLimitS: number;
  #timeLimit: NodeJS.Timeout | undefined;

  readonly #env: CallEnv;
  readonly #timers = new Set<NodeJS.Timeout>();
  #callbackChain: Promise<void> = Promise.resolve();
  #sequence = 0;
  #disposed = false;

  constructor(sid: string, request: CallRequest, script: CalleeScript, env: CallEnv) {
    this.sid = sid;
    this.request = request;
    this.script = script;
    this.#env = env;
    this.timeLimitS = request.timeLimitS;
  }

  get ended(): boolean {
    return terminal.has(this.status);
  }

  /** Resolves once every callback queued so far has been posted and answered. */
  callbacksSettled(): Promise<void> {
    return this.#callbackChain;
  }

  /** Starts the call's life: initiated, then ringing and the scripted outcome. */
  begin(): void {
    this.#callback('initiated');
    const script = this.script;
    switch (script.outcome) {
      case 'failed':
        this.#after(10, () => this.#end('failed', String(script.sipResponseCode ?? 404)));
        return;
      case 'busy':
        this.#after(10, () => this.#ring());
        this.#after(script.ringMs ?? 20, () => this.#end('busy'));
        return;
      case 'no-answer':
        this.#after(10, () => this.#ring());
        this.#after(this.request.timeoutS * 1000, () => this.#end('no-answer'));
        return;
      case 'answer': {
        const ringMs = script.ringMs ?? 20;
        this.#after(Math.min(10, ringMs), () => this.#ring());
        if (ringMs >= this.request.timeoutS * 1000) this.#after(this.request.timeoutS * 1000, () => this.#end('no-answer'));
        else this.#after(ringMs, () => this.#answer(script));
        return;
      }
    }
  }

  /** The callee picks up now (for a script whose ringMs is long): lets a test order events itself. */
  answer(): void {
    if (this.ended || this.status === 'in-progress' || this.script.outcome !== 'answer') return;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#answer(this.script);
  }

  /** REST update: `canceled` only touches a call not yet answered; `completed` ends any call. */
  update(status: 'completed' | 'canceled'): void {
    if (this.ended) return;
    if (status === 'canceled' && this.status === 'in-progress') return;
    this.#end(this.status === 'in-progress' ? 'completed' : 'canceled');
  }

  /**
   * REST update with new TwiML: the running verb (the Media Stream) stops and the new TwiML
   * runs. A `<Dial><Number>` rings the number as its script says, bridges it, and posts the
   * leg's outcome to the Dial's action URL; the TwiML answered there runs next (a `<Hangup/>`
   * or nothing ends the call).
   */
  redirect(twiml: ParsedTwiml, scriptOf: (number: string) => CalleeScript): void {
    if (this.ended) return;
    this.redirects.push(twiml);
    this.stream?.stop();
    this.stream = undefined;
    if (twiml.conference) return this.#join(twiml.conference);
    const dial = twiml.dial;
    if (!dial) {
      if (twiml.streamUrl && this.script.outcome === 'answer') this.#connectStream(this.script);
      else this.#end('completed');
      return;
    }
    const script = scriptOf(dial.number);
    const leg: FakeDialLeg = { number: dial.number, callerId: dial.callerId, sid: 'CA' + this.sid.slice(2, 10) + 'dead'.repeat(6), status: 'ringing', durationS: 0 };
    this.dials.push(leg);
    const finish = (status: FakeDialLeg['status'], durationS = 0) => {
      leg.status = status;
      leg.durationS = durationS;
      if (!dial.action) return this.#end('completed');
      const params = {
        AccountSid: this.#env.accountSid, CallSid: this.sid, CallStatus: 'in-progress', DialCallSid: leg.sid,
        DialCallStatus: status, DialCallDuration: String(durationS),
      };
      this.#postAction(dial.action, params);
    };
    switch (script.outcome) {
      case 'busy':
        return void this.#after(script.ringMs ?? 20, () => finish('busy'));
      case 'failed':
        return void this.#after(10, () => finish('failed'));
      case 'no-answer':
        return void this.#after(dial.timeoutS * 1000, () => finish('no-answer'));
      case 'answer': {
        const ringMs = script.ringMs ?? 20;
        if (ringMs >= dial.timeoutS * 1000) return void this.#after(dial.timeoutS * 1000, () => finish('no-answer'));
        return void this.#after(ringMs, () => {
          leg.status = 'in-progress';
          this.#env.onChange();
          const talkMs = script.hangUpAfterMs ?? 1000;
          this.#after(talkMs, () => finish('completed', Math.ceil((talkMs * this.#env.speed) / 1000)));
        });
      }
    }
  }

  /** The callee hangs up. */
  hangUpByCallee(): void {
    if (this.status === 'in-progress') this.#end('completed');
  }

  /** Stops timers and the stream without posting anything (the fake is shutting down). */
  dispose(): void {
    this.#disposed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.stream?.stop();
  }

  #ring(): void {
    if (this.ended || this.status !== 'queued') return;
    this.status = 'ringing';
    this.#callback('ringing');
  }

  #answer(script: Extract<CalleeScript, { outcome: 'answer' }>): void {
    if (this.ended) return;
    this.status = 'in-progress';
    this.answeredAt = performance.now();
    const detection = this.request.machineDetection;
    if (detection) this.answeredBy = detectedAs(script.answeredBy ?? 'human', detection);
    // Synchronous AMD reports AnsweredBy on the answered callback itself.
    this.#callback('answered', detection && !this.request.asyncAmd ? { AnsweredBy: this.answeredBy! } : {});
    if (detection && this.request.asyncAmd && this.request.asyncAmdStatusCallback) {
      const amdMs = script.amdMs ?? 30;
      const url = this.request.asyncAmdStatusCallback;
      this.#after(amdMs, () => {
        if (this.ended) return;
        this.amdPostedAtStreamMs = this.stream?.nowMs;
        this.#post('amd', url, {
          AccountSid: this.#env.accountSid,
          CallSid: this.sid,
          AnsweredBy: this.answeredBy!,
          MachineDetectionDuration: String(Math.round(amdMs)),
        });
      });
    }
    this.limitTo(this.timeLimitS);
    if (script.hangUpAfterMs !== undefined) this.#after(script.hangUpAfterMs, () => this.hangUpByCallee());
    const gather = this.request.twiml.gather;
    if (gather) return this.#gather(gather, script);
    this.#connectStream(script);
  }

  /** `<Gather><Say>`: the callee hears the words, then presses the scripted keys (posted to the action) or lets it time out (the `<Hangup/>` after it). */
  #gather(gather: NonNullable<ParsedTwiml['gather']>, script: Extract<CalleeScript, { outcome: 'answer' }>): void {
    if (gather.play) {
      // Fetched at once, played for as long as the audio lasts (16-bit 8 kHz: 16 bytes a millisecond); a failed fetch is skipped.
      const url = gather.play;
      fetch(url)
        .then(async (response) => {
          const body = Buffer.from(await response.arrayBuffer());
          this.played.push({ url, status: response.status, contentType: response.headers.get('content-type'), body });
          this.#env.onChange();
          this.#afterBriefing(gather, script, response.ok ? Math.max(50, (body.length - 44) / 16) : 50);
        })
        .catch(() => this.#afterBriefing(gather, script, 50));
      return;
    }
    this.#afterBriefing(gather, script, Math.max(50, gather.say.length * 5));
  }

  /** Once the briefing is over: the scripted keys, or the Gather's timeout. */
  #afterBriefing(gather: NonNullable<ParsedTwiml['gather']>, script: Extract<CalleeScript, { outcome: 'answer' }>, briefingMs: number): void {
    this.#after(briefingMs, () => {
      if (this.ended) return;
      if (script.gatherDigits === undefined) return this.#after(gather.timeoutS * 1000, () => this.#end('completed'));
      this.#postAction(gather.action, { AccountSid: this.#env.accountSid, CallSid: this.sid, CallStatus: 'in-progress', Digits: script.gatherDigits });
    });
  }

  /** Joins a conference room; a participant with endConferenceOnExit ends it for all when it leaves. */
  #join(conference: NonNullable<ParsedTwiml['conference']>): void {
    this.conference = conference;
    const room = this.#env.conferences.get(conference.room) ?? new Set<FakeTwilioCall>();
    room.add(this);
    this.#env.conferences.set(conference.room, room);
    this.#env.onChange();
  }

  #connectStream(script: Extract<CalleeScript, { outcome: 'answer' }>): void {
    const url = this.request.twiml.streamUrl;
    // No <Connect><Stream>: the TwiML has nothing to run and the call hangs up.
    if (!url) return this.#end('completed');
    this.stream = new FakeMediaStream({
      url,
      authToken: this.#env.authToken,
      accountSid: this.#env.accountSid,
      callSid: this.sid,
      parameters: this.request.twiml.parameters,
      speed: this.#env.speed,
      speech: script.speech ?? [],
      dtmf: script.dtmf ?? [],
      sendSilence: !script.quiet,
      ticker: this.#env.ticker,
      recordTraffic: this.#env.recordTraffic,
      ...(this.#env.streamSignatureOverride ? { signatureOverride: this.#env.streamSignatureOverride } : {}),
      onChange: this.#env.onChange,
      // <Connect> is the last verb: once its stream is over, so is the call.
      onEnded: () => this.#end('completed'),
    });
    this.stream.connect();
  }

  #end(status: FakeCallStatus, sipResponseCode?: string): void {
    if (this.ended) return;
    this.status = status;
    this.endedAt = performance.now();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.stream?.stop();
    const conference = this.conference;
    if (conference) {
      const room = this.#env.conferences.get(conference.room);
      room?.delete(this);
      if (conference.endOnExit && room) for (const other of [...room]) other.#end('completed');
    }
    const durationS = this.answeredAt === undefined ? 0 : Math.ceil(((this.endedAt - this.answeredAt) * this.#env.speed) / 1000);
    const code = sipResponseCode ?? sipCodes[status];
    this.#callback('completed', {
      CallDuration: String(durationS),
      ...(code ? { SipResponseCode: code } : {}),
      ...(this.answeredBy && !this.request.asyncAmd ? { AnsweredBy: this.answeredBy } : {}),
    });
    this.#env.onChange();
  }

  /** Queues a status callback if Parley asked for this event (`completed` covers every end). */
  #callback(event: 'initiated' | 'ringing' | 'answered' | 'completed', extra: Record<string, string> = {}): void {
    this.#env.onChange();
    const url = this.request.statusCallback;
    if (!url) return;
    const events = this.request.statusCallbackEvents.length > 0 ? this.request.statusCallbackEvents : ['completed'];
    if (!events.includes(event)) return;
    this.#post('status', url, {
      AccountSid: this.#env.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: this.sid,
      CallStatus: event === 'initiated' ? 'initiated' : this.status,
      CallbackSource: 'call-progress-events',
      Called: this.request.to,
      Caller: this.request.from,
      Direction: 'outbound-api',
      From: this.request.from,
      To: this.request.to,
      SequenceNumber: String(this.#sequence++),
      Timestamp: new Date().toUTCString(),
      ...extra,
    });
  }

  /** Posts callbacks one after another, signed over the exact URL posted to. */
  #post(kind: 'status' | 'amd', url: string, params: Record<string, string>): void {
    const signature = signTwilio(this.#env.authToken, url, params);
    this.#callbackChain = this.#callbackChain.then(async () => {
      if (this.#disposed) return;
      let responseStatus: number | undefined;
      let error: string | undefined;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body: new URLSearchParams(params).toString(),
          signal: AbortSignal.timeout(5_000),
        });
        responseStatus = response.status;
        await response.arrayBuffer();
      } catch (cause) {
        // Twilio's debugger calls a failed callback 11200 (HTTP retrieval failure).
        error = `11200: ${(cause as Error).message}`;
      }
      this.callbacks.push({ kind, url, params, signature, responseStatus, error });
      this.#env.onChange();
    });
  }

  /** Posts a `<Dial>` action callback and runs the TwiML it answers with. */
  #postAction(url: string, params: Record<string, string>): void {
    const signature = signTwilio(this.#env.authToken, url, params);
    this.#callbackChain = this.#callbackChain.then(async () => {
      if (this.#disposed) return;
      let twiml: ParsedTwiml | undefined;
      let responseStatus: number | undefined;
      let error: string | undefined;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body: new URLSearchParams(params).toString(),
          signal: AbortSignal.timeout(5_000),
        });
        responseStatus = response.status;
        const body = await response.text();
        if (response.ok) twiml = parseTwiml(body);
      } catch (cause) {
        error = `11200: ${(cause as Error).message}`;
      }
      this.callbacks.push({ kind: 'action', url, params, signature, responseStatus, error });
      // An action URL that fails or answers nothing runnable: Twilio hangs up.
      if (!twiml || twiml.hangup || (!twiml.dial && !twiml.streamUrl && !twiml.conference)) this.#end('completed');
      else this.redirect(twiml, () => ({ outcome: 'busy' }));
      this.#env.onChange();
    });
  }

  /** A REST update's `TimeLimit` (or the create request's, at answer): the call ends that long after it was answered. */
  limitTo(seconds: number): void {
    this.timeLimitS = seconds;
    if (this.answeredAt === undefined || this.ended) return;
    if (this.#timeLimit) clearTimeout(this.#timeLimit);
    const elapsedMs = (performance.now() - this.answeredAt) * this.#env.speed;
    this.#timeLimit = this.#after(Math.max(0, seconds * 1000 - elapsedMs), () => this.#end('completed'));
  }

  #after(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms / this.#env.speed);
    this.#timers.add(timer);
    return timer;
  }
}

/** `Enable` stops at the first sign of a machine; `DetectMessageEnd` waits for the greeting's end. */
function detectedAs(value: FakeAnsweredBy, mode: 'Enable' | 'DetectMessageEnd'): FakeAnsweredBy {
  if (mode === 'Enable') return value.startsWith('machine_') ? 'machine_start' : value;
  return value === 'machine_start' ? 'machine_end_other' : value;
}
