/**
 * A protocol-faithful fake of Twilio Programmable Voice on 127.0.0.1:0: the Calls REST API
 * (Basic auth, form bodies, Twilio's error JSON), signed status callbacks, async AMD, and Media
 * Streams over a real WebSocket. For unit, e2e and benchmark use: start, script callees, read
 * what Parley sent and what callees heard, stop.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeTwilioCall, type CalleeScript, type CallRequest } from './fake-call.js';
import { StreamTicker } from './stream-ticker.js';
import { FRAME_MS, first, isE164, newSid, parseForm, parseTwiml, twilioError, type FormFields } from './wire.js';

/** Credentials, speed and default callee of a fake Twilio. */
export interface FakeTwilioOptions {
  readonly accountSid?: string;
  readonly authToken?: string;
  /** Runs ringing, AMD, pacing and playout this many times faster than real time (default 1). */
  readonly speed?: number;
  /** The callee of a number without a script of its own (default: answers after 20 ms, a human). */
  readonly defaultScript?: CalleeScript;
  /** Signs Media Stream upgrades with this instead of the real signature (to test refusal). */
  readonly streamSignatureOverride?: string;
  /** Keep every message and heard chunk of every stream (default true; benchmarks turn it off). */
  readonly recordTraffic?: boolean;
}

/** A REST request the fake received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly form: FormFields;
  readonly responseStatus: number;
}

type Json = Record<string, unknown>;

/** The fake Twilio server: REST API, scripted callees, recorded traffic. */
export class FakeTwilio {
  readonly accountSid: string;
  readonly authToken: string;
  readonly requests: ReceivedRequest[] = [];
  readonly calls: FakeTwilioCall[] = [];
  /** Conference rooms and who is in each (warm transfers join the two legs in one). */
  readonly conferences = new Map<string, Set<FakeTwilioCall>>();

  readonly #server: Server;
  readonly #options: FakeTwilioOptions;
  readonly #scripts = new Map<string, CalleeScript>();
  readonly #listeners = new Set<() => void>();
  readonly #ticker: StreamTicker;
  #baseUrl = '';

  private constructor(options: FakeTwilioOptions) {
    this.#options = options;
    this.accountSid = options.accountSid ?? 'AC' + '0123456789abcdef'.repeat(2);
    this.authToken = options.authToken ?? 'fake-twilio-auth-token';
    this.#ticker = new StreamTicker(FRAME_MS / 4 / (options.speed ?? 1));
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  /** Starts a fake on a free loopback port. */
  static async start(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
    const fake = new FakeTwilio(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#baseUrl = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** What Parley's `apiBaseUrl` should be. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** Ends every call silently, closes every socket and the server. */
  async stop(): Promise<void> {
    for (const call of this.calls) call.dispose();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Scripts the callee of one number. */
  script(number: string, script: CalleeScript): void {
    this.#scripts.set(number, script);
  }

  /** How late the fake itself ran its streams' frames: if this is high, the fake is the bottleneck. */
  get tickLateness(): { readonly p99Ms: number; readonly maxMs: number } {
    return this.#ticker.lateness();
  }

  call(sid: string): FakeTwilioCall | undefined {
    return this.calls.find((call) => call.sid === sid);
  }

  /** Every Twilio debugger error of every stream (31920 handshake, 31924 invalid message). */
  get errors(): Array<{ callSid: string; code: number; message: string }> {
    return this.calls.flatMap((call) => (call.stream?.errors ?? []).map((error) => ({ callSid: call.sid, ...error })));
  }

  /**
   * Resolves with `condition()`'s first truthy value, re-checked on every change the fake sees
   * (callbacks answered, frames played, marks echoed, statuses); rejects after `timeoutMs`.
   */
  waitFor<T>(condition: () => T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
    const initial = condition();
    if (initial) return Promise.resolve(initial);
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const value = condition();
        if (!value) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Twilio: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
    });
  }

  #changed = (): void => {
    for (const listener of [...this.#listeners]) listener();
  };

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = parseForm(Buffer.concat(chunks).toString('utf8'));
    const path = new URL(request.url ?? '/', this.#baseUrl).pathname;
    const [status, body] = this.#route(request.method ?? 'GET', path, request.headers.authorization, form);
    this.requests.push({ method: request.method ?? 'GET', path, authorization: request.headers.authorization, form, responseStatus: status });
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
    this.#changed();
  }

  #route(method: string, path: string, authorization: string | undefined, form: FormFields): [number, Json] {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls(?:\/([^/]+))?\.json$/.exec(path);
    if (!match || method !== 'POST') {
      return [404, { ...twilioError(404, 20404, `The requested resource ${path} was not found`) }];
    }
    if (authorization !== `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`) {
      return [401, { ...twilioError(401, 20003, 'Authenticate') }];
    }
    if (match[1] !== this.accountSid) {
      return [404, { ...twilioError(404, 20404, `The requested resource ${path} was not found`) }];
    }
    return match[2] === undefined ? this.#createCall(form) : this.#updateCall(match[2], form);
  }

  #createCall(form: FormFields): [number, Json] {
    const to = first(form, 'To');
    const from = first(form, 'From');
    const twiml = first(form, 'Twiml');
    if (!isE164(to)) return [400, { ...twilioError(400, 21211, `The 'To' number ${to ?? ''} is not a valid phone number.`) }];
    if (from === undefined) return [400, { ...twilioError(400, 21603, "A 'From' phone number is required.") }];
    if (!isE164(from)) return [400, { ...twilioError(400, 21212, `The 'From' number ${from} is not a valid phone number.`) }];
    if (twiml === undefined) {
      // This fake runs inline TwiML only; it never fetches a Url.
      return [400, { ...twilioError(400, 21205, 'Url parameter is required (this fake accepts only Twiml).') }];
    }
    let parsedTwiml;
    try {
      parsedTwiml = parseTwiml(twiml);
    } catch (error) {
      return [400, { ...twilioError(400, 12100, `Document parse failure: ${(error as Error).message}`) }];
    }
    const timeoutS = Number(first(form, 'Timeout') ?? 60);
    const detection = first(form, 'MachineDetection');
    const request: CallRequest = {
      to,
      from,
      twiml: parsedTwiml,
      statusCallback: first(form, 'StatusCallback'),
      statusCallbackEvents: form['StatusCallbackEvent'] ?? [],
      timeoutS: Math.min(600, Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS : 60),
      timeLimitS: Number(first(form, 'TimeLimit') ?? 14_400),
      machineDetection: detection === 'Enable' || detection === 'DetectMessageEnd' ? detection : undefined,
      asyncAmd: first(form, 'AsyncAmd') === 'true',
      asyncAmdStatusCallback: first(form, 'AsyncAmdStatusCallback'),
    };
    const script = this.#scripts.get(to) ?? this.#options.defaultScript ?? { outcome: 'answer' };
    const call = new FakeTwilioCall(newSid('CA'), request, script, {
      accountSid: this.accountSid,
      authToken: this.authToken,
      speed: this.#options.speed ?? 1,
      streamSignatureOverride: this.#options.streamSignatureOverride,
      ticker: this.#ticker,
      recordTraffic: this.#options.recordTraffic ?? true,
      onChange: this.#changed,
      conferences: this.conferences,
    });
    this.calls.push(call);
    // Twilio answers the request first; progress follows asynchronously.
    setImmediate(() => call.begin());
    return [201, this.#resource(call)];
  }

  #updateCall(sid: string, form: FormFields): [number, Json] {
    const call = this.call(sid);
    if (!call) return [404, { ...twilioError(404, 20404, `The requested resource Calls/${sid}.json was not found`) }];
    const twiml = first(form, 'Twiml');
    if (twiml !== undefined) {
      if (call.ended) return [400, { ...twilioError(400, 21220, 'Call is not in-progress. Cannot redirect.') }];
      let parsed;
      try {
        parsed = parseTwiml(twiml);
      } catch (error) {
        return [400, { ...twilioError(400, 12100, `Document parse failure: ${(error as Error).message}`) }];
      }
      call.redirect(parsed, (number) => this.#scripts.get(number) ?? this.#options.defaultScript ?? { outcome: 'answer' });
    }
    const timeLimit = first(form, 'TimeLimit');
    if (timeLimit !== undefined) {
      const seconds = Number(timeLimit);
      if (!Number.isInteger(seconds) || seconds <= 0) return [400, { ...twilioError(400, 21220, `Invalid TimeLimit ${timeLimit}`) }];
      call.limitTo(seconds);
    }
    const status = first(form, 'Status');
    if (status !== undefined) {
      if (status !== 'completed' && status !== 'canceled') {
        return [400, { ...twilioError(400, 21218, `Invalid Status value ${status}`) }];
      }
      call.update(status);
    }
    return [200, this.#resource(call)];
  }

  #resource(call: FakeTwilioCall): Json {
    return {
      sid: call.sid,
      account_sid: this.accountSid,
      to: call.request.to,
      from: call.request.from,
      status: call.status,
      direction: 'outbound-api',
      api_version: '2010-04-01',
      answered_by: call.answeredBy ?? null,
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${this.accountSid}/Calls/${call.sid}.json`,
    };
  }
}
