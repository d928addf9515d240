/** The public API, from the browser: the key from session storage as a Bearer header, errors as ApiError. */

const storageKey = 'parley.apiKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(storageKey),
  set: (key: string) => sessionStorage.setItem(storageKey, key),
  clear: () => sessionStorage.removeItem(storageKey),
};

/** An API error answer: `{"error":{"code","message","details"}}`. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'ApiError';
  }

  /** The field a validation error names (`issues[0].field`, `details.field` or a path). */
  get fields(): { field: string; message: string }[] {
    const details = this.details as { field?: string; issues?: { field: string; message: string }[]; errors?: { path?: string; message: string }[] } | undefined;
    if (details?.issues) return details.issues;
    if (details?.errors) return details.errors.map((error) => ({ field: error.path ?? '', message: error.message }));
    if (details?.field) return [{ field: details.field, message: this.message }];
    return [];
  }
}

let onUnauthenticated: () => void = () => undefined;
/** What happens when the key stops working (revoked while signed in): sign out. */
export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown, key = session.key()): Promise<T> {
  return send<T>(method, path, body === undefined ? undefined : { text: JSON.stringify(body), type: 'application/json' }, key);
}

/** A request with a body of its own type (a CSV upload). */
async function send<T>(method: string, path: string, body: { text: string; type: string } | undefined, key: string | null): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body) headers['content-type'] = body.type;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body?.text });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Parley could not be reached. Is the server running?');
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    if (response.status === 401 && key === session.key()) onUnauthenticated();
    throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `The request failed (${response.status})`, error?.details);
  }
  return parsed as T;
}

/** POSTs a CSV file's text as `text/csv`. */
export const postCsv = <T,>(path: string, csv: string) => send<T>('POST', path, { text: csv, type: 'text/csv' }, session.key());

export const get = <T,>(path: string) => api<T>('GET', path);
export const post = <T,>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T,>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T,>(path: string) => api<T>('DELETE', path);

export interface Page<T> {
  readonly data: T[];
  readonly has_more?: boolean;
  readonly next_cursor?: string | null;
}

/** A query string of the defined values. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
