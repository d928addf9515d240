/** Error registry: every error the service can answer with has a code, a status and a message here. */

export const errorCodes = {
  VALIDATION_FAILED: { httpStatus: 400, message: 'The request is not valid' },
  INVALID_JSON: { httpStatus: 400, message: 'The request body is not valid JSON' },
  BODY_TOO_LARGE: { httpStatus: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, message: 'The request body has an unsupported content type' },
  JSON_TOO_DEEP: { httpStatus: 400, message: 'The request nests JSON deeper than Parley accepts' },
  INVALID_CHARACTERS: { httpStatus: 400, message: 'A string holds a NUL character or an unpaired surrogate' },
  BAD_REQUEST: { httpStatus: 400, message: 'The request is malformed' },
  BAD_URL: { httpStatus: 400, message: 'The request URL is malformed' },
  PATH_PARAMETER_TOO_LONG: { httpStatus: 414, message: 'A path parameter is longer than Parley accepts' },
  REQUEST_TIMEOUT: { httpStatus: 408, message: 'The request did not arrive in time' },
  HEADERS_TOO_LARGE: { httpStatus: 431, message: 'The request headers are larger than the server accepts' },
  INVALID_PHONE_NUMBER: { httpStatus: 400, message: 'The phone number is not a valid E.164 number' },
  VARIABLES_TOO_MANY: { httpStatus: 400, message: 'Too many variables' },
  VARIABLES_MISSING: { httpStatus: 422, message: 'The agent needs variables the call does not give' },
  UNAUTHENTICATED: { httpStatus: 401, message: 'A valid API key is required' },
  FORBIDDEN_SCOPE: { httpStatus: 403, message: 'The API key lacks the scope this needs' },
  NOT_FOUND: { httpStatus: 404, message: 'No such route' },
  AGENT_NOT_FOUND: { httpStatus: 404, message: 'Agent not found' },
  CALL_NOT_FOUND: { httpStatus: 404, message: 'Call not found' },
  PHONE_NUMBER_NOT_FOUND: { httpStatus: 404, message: 'Phone number not found' },
  API_KEY_NOT_FOUND: { httpStatus: 404, message: 'API key not found' },
  CONTACT_NOT_FOUND: { httpStatus: 404, message: 'Contact not found' },
  HOOK_NOT_FOUND: { httpStatus: 404, message: 'Hook not found' },
  PHONE_NUMBER_EXISTS: { httpStatus: 409, message: 'That phone number is already registered' },
  AGENT_IN_USE: { httpStatus: 409, message: 'The agent has calls queued or live, or a campaign not yet over: cancel them or let them end first' },
  PHONE_NUMBER_IN_USE: { httpStatus: 409, message: 'Calls from this number are queued or live: cancel them or let them end first' },
  FROM_NUMBER_NOT_OWNED: { httpStatus: 422, message: 'The "from" number is not one of the organisation\'s phone numbers' },
  AGENT_INVALID: { httpStatus: 422, message: 'The agent definition is not valid' },
  LLM_NOT_CONFIGURED: { httpStatus: 422, message: 'The agent needs an LLM and none is configured for it' },
  NO_CALLER_NUMBER: { httpStatus: 422, message: 'The call has no "from" number and its agent has none assigned' },
  CARRIER_NOT_CONFIGURED: { httpStatus: 422, message: 'The number\'s carrier is not configured on this server' },
  SPEECH_NOT_CONFIGURED: { httpStatus: 422, message: 'Calls on this carrier need speech providers that are not configured on this server' },
  CALL_NOT_ENDED: { httpStatus: 409, message: 'The call has not ended yet' },
  CALL_NOT_CANCELABLE: { httpStatus: 409, message: 'The call has already ended' },
  IDEMPOTENCY_KEY_REUSED: { httpStatus: 422, message: 'The Idempotency-Key was used with a different request' },
  UNSUPPORTED_FIELD: { httpStatus: 400, message: 'A field asks for something Parley cannot do' },
  SCHEDULE_IN_PAST: { httpStatus: 422, message: 'scheduled_for is too far in the past' },
  SCHEDULE_TOO_FAR: { httpStatus: 422, message: 'scheduled_for is more than a year ahead' },
  WEBHOOK_ENDPOINT_NOT_FOUND: { httpStatus: 404, message: 'Webhook endpoint not found' },
  WEBHOOK_DELIVERY_NOT_FOUND: { httpStatus: 404, message: 'Webhook delivery not found' },
  WEBHOOK_URL_REFUSED: { httpStatus: 422, message: 'The webhook URL points somewhere deliveries may not go' },
  WEBHOOK_ENDPOINT_LIMIT: { httpStatus: 422, message: 'The organisation has as many webhook endpoints as it may' },
  WEBHOOK_DELIVERY_IN_FLIGHT: { httpStatus: 409, message: 'The delivery is being sent right now' },
  WEBHOOK_ENDPOINT_DISABLED: { httpStatus: 409, message: 'The delivery\'s endpoint is disabled or deleted' },
  DATA_DIR_LOCKED: { httpStatus: 503, message: 'The embedded store\'s data folder is in use by another process' },
  NUMBER_ON_DO_NOT_CALL: { httpStatus: 422, message: 'The number is on the organisation\'s do-not-call list' },
  DO_NOT_CALL_ENTRY_NOT_FOUND: { httpStatus: 404, message: 'The number is not on the do-not-call list' },
  CAMPAIGN_NOT_FOUND: { httpStatus: 404, message: 'Campaign not found' },
  CAMPAIGN_STATE_CONFLICT: { httpStatus: 409, message: 'The campaign cannot do that in its current status' },
  CAMPAIGN_EMPTY: { httpStatus: 422, message: 'The campaign has no contacts to call' },
  CSV_INVALID: { httpStatus: 400, message: 'The CSV could not be read' },
  CALL_LIMIT_REACHED: { httpStatus: 429, message: 'The organisation has as many live calls as it may; try again when one ends' },
  EVENT_STREAMS_LIMIT: { httpStatus: 429, message: 'The organisation has as many event streams open as it may; close one first' },
  CHATS_LIMIT: { httpStatus: 429, message: 'The organisation has as many chats open as it may; close one first' },
  CHAT_MESSAGES_WAITING: { httpStatus: 429, message: 'Too many messages are waiting for the agent; send the next once it has answered' },
  RECORDING_NOT_FOUND: { httpStatus: 404, message: 'The call has no recording' },
  RECORDING_IN_PROGRESS: { httpStatus: 409, message: 'The call is still being recorded' },
  RECORDING_UNREACHABLE: {
    httpStatus: 503,
    message: 'The recording is in another process\'s recordings folder, which this process does not reach: share PARLEY_RECORDINGS_DIR between processes, or keep recordings in a bucket',
  },
  RANGE_NOT_SATISFIABLE: { httpStatus: 416, message: 'The requested byte range is outside the recording' },
  INTERNAL: { httpStatus: 500, message: 'Internal error' },
} as const satisfies Record<string, { httpStatus: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

/** An error the API turns into `{error:{code,message,details}}` with its registered status. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message ?? errorCodes[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = errorCodes[code].httpStatus;
    this.details = options.details;
  }
}

export const providerErrorCategories = [
  'auth',
  'rate_limit',
  'quota',
  'connectivity',
  'invalid_request',
  'server',
  'unknown',
] as const;
export type ProviderErrorCategory = (typeof providerErrorCategories)[number];

/** Whether an HTTP status can pass with time: a 4xx is permanent except 408 (timeout) and 429 (slow down). */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode === 408 || statusCode === 429 || statusCode >= 500 || statusCode < 400;
}

/**
 * A failure of an external service (carrier, STT, TTS, LLM). Wrappers decide on retry from
 * `retryable`; a 4xx other than 408 and 429 is permanent whatever the caller says (as agents-js
 * `APIStatusError` does), and `requestId` keeps the vendor's id of the request when it sent one,
 * so a failure can be looked up with the vendor.
 */
export class ProviderError extends Error {
  readonly provider: string;
  readonly category: ProviderErrorCategory;
  readonly retryable: boolean;
  readonly statusCode: number | undefined;
  readonly requestId: string | undefined;

  constructor(
    provider: string,
    category: ProviderErrorCategory,
    message: string,
    options: { statusCode?: number | undefined; retryable?: boolean; cause?: unknown; requestId?: string | null | undefined } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.category = category;
    this.statusCode = options.statusCode;
    this.requestId = options.requestId ?? undefined;
    const permanentStatus = options.statusCode !== undefined && !isRetryableStatus(options.statusCode);
    this.retryable = permanentStatus ? false : (options.retryable ?? ['rate_limit', 'connectivity', 'server'].includes(category));
  }

  /** Maps an HTTP status onto a category: a 4xx is permanent except 408 and 429. */
  static fromStatus(provider: string, statusCode: number, message: string, cause?: unknown, requestId?: string | null): ProviderError {
    const category: ProviderErrorCategory =
      statusCode === 401 || statusCode === 403
        ? 'auth'
        : statusCode === 429
          ? 'rate_limit'
          : statusCode === 402
            ? 'quota'
            : statusCode === 408
              ? 'connectivity'
              : statusCode >= 500
                ? 'server'
                : statusCode >= 400
                  ? 'invalid_request'
                  : 'unknown';
    return new ProviderError(provider, category, message, { statusCode, cause, requestId });
  }
}

/**
 * A failure that escaped a provider's own error events (a bug, or a socket torn mid-frame) as a
 * ProviderError, so the caller's fallback or apology path handles it like any provider failure.
 */
export function asProviderError(provider: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  return new ProviderError(provider, 'unknown', error instanceof Error ? error.message : String(error), { cause: error, retryable: false });
}

/** Exhaustiveness check for switches over string unions. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
