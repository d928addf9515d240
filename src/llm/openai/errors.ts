/** Maps the openai SDK's failures onto ProviderError categories; messages carry no vendor text (it may echo keys). */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { ProviderError, type ProviderErrorCategory } from '../../shared/errors.js';

const PROVIDER = 'openai';

/** What aborting a stream throws: the signal's reason, never a ProviderError. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}

/** Category of an error the service reported inside a stream (no HTTP status then). */
function streamErrorCategory(type: string | undefined, code: string | null | undefined): ProviderErrorCategory {
  if (type === 'insufficient_quota' || code === 'insufficient_quota') return 'quota';
  if (code === 'rate_limit_exceeded' || type === 'requests' || type === 'tokens') return 'rate_limit';
  if (type === 'invalid_request_error') return 'invalid_request';
  return 'server';
}

/** A ProviderError for anything the SDK (or the stream under it) threw. */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError(PROVIDER, 'connectivity', 'The chat completion request timed out', { cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError(PROVIDER, 'connectivity', 'Could not reach the chat completion service', { cause: error });
  }
  if (error instanceof APIError) {
    const detail = [error.type, error.code].filter(Boolean).join('/');
    if (error.status === undefined) {
      const category = streamErrorCategory(error.type, error.code);
      return new ProviderError(PROVIDER, category, `The completion stream reported an error (${detail || 'unknown'})`, { cause: error });
    }
    const message = `The chat completion service answered ${error.status}${detail ? ` (${detail})` : ''}`;
    // OpenAI answers 429 both for "slow down" and for "out of credit"; only the first passes with time.
    if (error.status === 429 && (error.code === 'insufficient_quota' || error.type === 'insufficient_quota')) {
      return new ProviderError(PROVIDER, 'quota', message, { statusCode: 429, cause: error, requestId: error.requestID });
    }
    return ProviderError.fromStatus(PROVIDER, error.status, message, error, error.requestID);
  }
  if (error instanceof SyntaxError) {
    return new ProviderError(PROVIDER, 'server', 'The completion stream carried unreadable data', { cause: error });
  }
  // undici reports a dropped connection mid-body as TypeError('terminated') or 'fetch failed'.
  if (error instanceof TypeError) {
    return new ProviderError(PROVIDER, 'connectivity', 'The connection to the chat completion service broke', { cause: error });
  }
  return new ProviderError(PROVIDER, 'unknown', 'The chat completion failed', { cause: error });
}
