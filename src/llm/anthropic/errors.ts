/** Maps the Anthropic SDK's failures onto ProviderError categories; messages carry no vendor text. */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { ProviderError, type ProviderErrorCategory } from '../../shared/errors.js';

const PROVIDER = 'anthropic';

/** What aborting a stream throws: the signal's reason, never a ProviderError. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}

/** Anthropic's error `type` in Parley's categories (used when the error came inside a stream). */
const typeCategories: Readonly<Record<string, ProviderErrorCategory>> = {
  invalid_request_error: 'invalid_request',
  not_found_error: 'invalid_request',
  request_too_large: 'invalid_request',
  authentication_error: 'auth',
  permission_error: 'auth',
  billing_error: 'quota',
  rate_limit_error: 'rate_limit',
  timeout_error: 'connectivity',
  api_error: 'server',
  overloaded_error: 'server',
};

/** A ProviderError for anything the SDK (or the stream under it) threw. */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError(PROVIDER, 'connectivity', 'The Messages API request timed out', { cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError(PROVIDER, 'connectivity', 'Could not reach the Messages API', { cause: error });
  }
  if (error instanceof APIError) {
    const type = error.type ?? undefined;
    if (error.status === undefined) {
      const category = (type && typeCategories[type]) || 'server';
      return new ProviderError(PROVIDER, category, `The message stream reported an error (${type ?? 'unknown'})`, { cause: error });
    }
    // 529 overloaded_error is a 5xx: a server failure worth retrying.
    return ProviderError.fromStatus(PROVIDER, error.status, `The Messages API answered ${error.status}${type ? ` (${type})` : ''}`, error, error.requestID);
  }
  if (error instanceof SyntaxError) {
    return new ProviderError(PROVIDER, 'server', 'The message stream carried unreadable data', { cause: error });
  }
  // undici reports a dropped connection mid-body as TypeError('terminated') or 'fetch failed'.
  if (error instanceof TypeError) {
    return new ProviderError(PROVIDER, 'connectivity', 'The connection to the Messages API broke', { cause: error });
  }
  return new ProviderError(PROVIDER, 'unknown', 'The message request failed', { cause: error });
}
