/** The command line's HTTP client for a running Parley. */

export interface CliTarget {
  readonly url: string;
  readonly key: string | undefined;
}

export class CliApiError extends Error {
  constructor(readonly status: number, readonly body: unknown) {
    const error = (body as { error?: { code?: string; message?: string } })?.error;
    super(error ? `${status} ${error.code}: ${error.message}` : `HTTP ${status}`);
  }
}

export async function callApi<T = any>(target: CliTarget, method: string, path: string, body?: unknown): Promise<T> {
  if (!target.key) throw new Error('Set PARLEY_API_KEY (or pass --key) to talk to the API.');
  let response: Response;
  try {
    response = await fetch(`${target.url.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new Error(`Cannot reach Parley at ${target.url}: is it running (npm start)?`, { cause });
  }
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new CliApiError(response.status, parsed);
  return parsed as T;
}
