/** A small fetch client for the Twilio Calls API (the SDK is hard-wired to api.twilio.com). */
import { ProviderError } from '../../shared/errors.js';
import {
  twilioCallResourceSchema, twilioErrorBodySchema, twilioStatusCallbackEvents, type TwilioCallResource,
} from './protocol.js';

const provider = 'twilio';

/** Answering-machine detection as Twilio runs it: async, reported to its own callback URL. */
export interface TwilioMachineDetection {
  /** `DetectMessageEnd` waits for the greeting's end (the beep), which leaving a message needs. */
  readonly mode: 'Enable' | 'DetectMessageEnd';
  readonly callbackUrl: string;
  readonly timeoutS?: number;
}

/** What Parley asks of Twilio when it places a call. */
export interface TwilioCreateCallParams {
  /** E.164. */
  readonly to: string;
  /** E.164, a number of the account. */
  readonly from: string;
  readonly twiml: string;
  readonly statusCallbackUrl: string;
  /** Ring seconds before `no-answer` (Twilio: default 60, max 600). */
  readonly ringTimeoutS: number;
  /** Seconds the answered call may last. */
  readonly timeLimitS: number;
  readonly machineDetection?: TwilioMachineDetection;
}

/** The Twilio-side detail of a failed request, without its message (which may quote a phone number). */
export class TwilioApiError extends Error {
  readonly code: number | undefined;
  readonly httpStatus: number;
  readonly moreInfo: string | undefined;

  constructor(httpStatus: number, code: number | undefined, moreInfo: string | undefined) {
    super(code === undefined ? `Twilio answered HTTP ${httpStatus}` : `Twilio error ${code} (HTTP ${httpStatus})`);
    this.name = 'TwilioApiError';
    this.httpStatus = httpStatus;
    this.code = code;
    this.moreInfo = moreInfo;
  }
}

/** Options of the client; `fetch` is injectable so a test can count or delay requests. */
export interface TwilioApiClientOptions {
  readonly accountSid: string;
  readonly authToken: string;
  readonly apiBaseUrl: string;
  readonly requestTimeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Creates and updates calls of one Twilio account. */
export class TwilioApiClient {
  readonly #options: TwilioApiClientOptions;
  readonly #fetch: typeof fetch;
  readonly #authorization: string;

  constructor(options: TwilioApiClientOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  }

  /** POST …/Calls.json: places an outbound call that runs `twiml` once answered. */
  async createCall(params: TwilioCreateCallParams): Promise<TwilioCallResource> {
    const form = new URLSearchParams();
    form.append('To', params.to);
    form.append('From', params.from);
    form.append('Twiml', params.twiml);
    form.append('StatusCallback', params.statusCallbackUrl);
    form.append('StatusCallbackMethod', 'POST');
    for (const event of twilioStatusCallbackEvents) form.append('StatusCallbackEvent', event);
    form.append('Timeout', String(params.ringTimeoutS));
    form.append('TimeLimit', String(params.timeLimitS));
    if (params.machineDetection) {
      form.append('MachineDetection', params.machineDetection.mode);
      form.append('AsyncAmd', 'true');
      form.append('AsyncAmdStatusCallback', params.machineDetection.callbackUrl);
      form.append('AsyncAmdStatusCallbackMethod', 'POST');
      if (params.machineDetection.timeoutS !== undefined) {
        form.append('MachineDetectionTimeout', String(params.machineDetection.timeoutS));
      }
    }
    return this.#post(`${this.#accountPath()}/Calls.json`, form);
  }

  /** POST …/Calls/{sid}.json: `canceled` ends a queued or ringing call, `completed` any call. */
  async updateCall(callSid: string, update: { readonly status: 'completed' | 'canceled' }): Promise<TwilioCallResource> {
    if (!/^CA[0-9a-fA-F]{32}$/.test(callSid)) {
      throw new ProviderError(provider, 'invalid_request', 'Not a Twilio Call SID', { statusCode: 400 });
    }
    const form = new URLSearchParams({ Status: update.status });
    return this.#post(`${this.#accountPath()}/Calls/${callSid}.json`, form);
  }

  /**
   * POST …/Calls/{sid}.json with `Twiml`: the live call stops what it runs and runs this instead.
   * `timeLimitS` replaces the call's `TimeLimit` (its longest duration) with it.
   */
  async redirectCall(callSid: string, twiml: string, options: { readonly timeLimitS?: number } = {}): Promise<TwilioCallResource> {
    if (!/^CA[0-9a-fA-F]{32}$/.test(callSid)) {
      throw new ProviderError(provider, 'invalid_request', 'Not a Twilio Call SID', { statusCode: 400 });
    }
    const form = new URLSearchParams({ Twiml: twiml });
    if (options.timeLimitS !== undefined) form.append('TimeLimit', String(options.timeLimitS));
    return this.#post(`${this.#accountPath()}/Calls/${callSid}.json`, form);
  }

  #accountPath(): string {
    return `${this.#options.apiBaseUrl}/2010-04-01/Accounts/${encodeURIComponent(this.#options.accountSid)}`;
  }

  async #post(url: string, form: URLSearchParams): Promise<TwilioCallResource> {
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: 'POST',
        headers: {
          authorization: this.#authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 15_000),
      });
    } catch (error) {
      throw new ProviderError(provider, 'connectivity', 'Could not reach the Twilio API', { cause: error });
    }
    // Twilio names every request it answers; support looks a failure up by it.
    const requestId = response.headers.get('twilio-request-id');
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      if (!response.ok) throw ProviderError.fromStatus(provider, response.status, 'Twilio API request failed', error, requestId);
      throw new ProviderError(provider, 'server', 'Twilio API answered with a body that is not JSON', {
        statusCode: response.status,
        cause: error,
      });
    }
    if (!response.ok) {
      const parsed = twilioErrorBodySchema.safeParse(body);
      const detail = parsed.success
        ? new TwilioApiError(response.status, parsed.data.code, parsed.data.more_info)
        : new TwilioApiError(response.status, undefined, undefined);
      throw ProviderError.fromStatus(provider, response.status, `Twilio API request failed: ${detail.message}`, detail, requestId);
    }
    const call = twilioCallResourceSchema.safeParse(body);
    if (!call.success) {
      throw new ProviderError(provider, 'server', 'Twilio API answered with an unexpected call resource', {
        statusCode: response.status,
        cause: call.error,
      });
    }
    return call.data;
  }
}
