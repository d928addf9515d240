/**
 * What a log line may carry of a request URL or an error: no credential in a path or query, and
 * no SQL parameter (phone numbers, names in variables, key hashes) from a database error.
 */

/** Query values that are credentials or personal data: replaced wherever they appear in a URL. */
const secretQueryNames = new Set([
  'api_key', 'apikey', 'key', 'token', 'access_token', 'auth', 'signature',
  'variables', 'input_variables', 'number', 'phone', 'phone_number', 'contact_number', 'to', 'from', 'search', 'q', 'name', 'email',
]);
const redacted = '[redacted]';

/**
 * The URL as it may be logged: the token of `…/hooks/{token}` and `…/briefings/{token}.wav`, phone
 * numbers in the path, and the values of `api_key`,
 * `token`, `variables`, `number`, `search` and their kin replaced. Works on a path with or without a query.
 */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const safePath = path
    .replace(/(\/(?:hooks|briefings)[/;])[^/?#]+/gi, `$1${redacted}`)
    .split('/')
    .map((segment) => (looksLikePhoneNumber(segment) ? redacted : segment))
    .join('/');
  if (queryAt === -1) return safePath;
  const query = url.slice(queryAt + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // A malformed escape in a name: compare it as sent.
    }
    return eq !== -1 && secretQueryNames.has(decoded.toLowerCase()) ? `${name}=${redacted}` : pair;
  });
  return `${safePath}?${query.join('&')}`;
}

/**
 * A path segment that is a phone number (`/v1/do-not-call/+14155550100`, escaped or not, with
 * the separators people type): seven digits or more and nothing but digits, `+` and separators.
 */
function looksLikePhoneNumber(segment: string): boolean {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // A malformed escape: judge it as sent.
  }
  return /^[+\d\s().-]+$/.test(decoded) && (decoded.match(/\d/g)?.length ?? 0) >= 7;
}

/** Fields of a database error that describe the failure without quoting the data. */
const databaseErrorFields = ['code', 'severity', 'routine', 'constraint', 'table', 'column', 'schema', 'dataType'] as const;

/** A Postgres (pg or PGlite) error: a five-character SQLSTATE and the server's severity. */
function isDatabaseError(error: Record<string, unknown>): boolean {
  return typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code) && typeof error.severity === 'string';
}

/** Drizzle's "Failed query: <sql>\nparams: <values>" wrapper around the driver's error. */
function isFailedQuery(error: Record<string, unknown>): boolean {
  return typeof error.message === 'string' && error.message.startsWith('Failed query:');
}

/** The first line of a statement, placeholders only (values travel as parameters, never inline). */
function statementName(sql: string): string {
  const firstLine = sql.replace(/\s+/g, ' ').trim();
  return firstLine.length > 160 ? `${firstLine.slice(0, 160)}…` : firstLine;
}

// E.164-looking numbers anywhere in a message: the last guard for a value that slipped into text.
const phoneLike = /\+\d{8,15}/g;

/**
 * pino's `err` serializer, made safe: a database error keeps its SQLSTATE, constraint and the
 * statement (with placeholders) but loses its message, detail and parameters, which quote the
 * row; every message has phone-number-like strings masked. Causes are made safe the same way.
 */
export function safeErrorSerializer(error: unknown): unknown {
  return scrub(error, 0);
}

function scrub(error: unknown, depth: number): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const record = error as Record<string, unknown>;
  if (depth > 5) return { type: record.constructor?.name ?? 'Error' };
  if (isFailedQuery(record)) {
    const sql = String(record.query ?? record.message).replace(/^Failed query:\s*/, '').split('\nparams:')[0] ?? '';
    return {
      type: record.constructor?.name ?? 'Error',
      message: 'database query failed',
      statement: statementName(sql),
      ...(record.cause !== undefined ? { cause: scrub(record.cause, depth + 1) } : {}),
    };
  }
  if (isDatabaseError(record)) {
    const safe: Record<string, unknown> = { type: record.constructor?.name ?? 'DatabaseError', message: `database error ${String(record.code)}` };
    for (const field of databaseErrorFields) if (record[field] !== undefined) safe[field] = record[field];
    return safe;
  }
  // Like pino's serializer, but the cause stays a separate, scrubbed field: pino folds the causes'
  // messages into this error's message and stack, and a cause may be a database error.
  const serialized: Record<string, unknown> = { type: record.constructor?.name ?? 'Error' };
  for (const [field, value] of Object.entries(record)) {
    if (!unsafeFields.has(field) && field !== 'cause' && typeof value !== 'function') serialized[field] = value;
  }
  if (typeof record.message === 'string') serialized.message = record.message.replace(phoneLike, redacted);
  if (typeof record.stack === 'string') serialized.stack = record.stack.replace(phoneLike, redacted);
  if (record.cause !== undefined) serialized.cause = scrub(record.cause, depth + 1);
  return serialized;
}

/** Own fields of an error that hold the data it failed on. */
const unsafeFields = new Set(['params', 'parameters', 'detail', 'where', 'body', 'variables', 'query', 'internalQuery']);

/** pino's `req` serializer (the shape Fastify logs) with the URL made safe. */
export function safeRequestSerializer(request: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
