/**
 * Custom HTTP tools from an agent's settings: the model's arguments go to the author's URL as a
 * JSON body (or the query, for GET and DELETE) and the capped response comes back as the result.
 * Every failure becomes a result the model can talk about; none escapes into the conversation.
 */
import { z } from 'zod';
import { renderTemplate } from '../template.js';
import type { Variables } from '../types.js';
import { schemaProblem } from './arguments.js';
import type { ToolOutcome } from './outcome.js';

/** What a tool may send back to the model; more would crowd the context of a phone call. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024;

const jsonSchemaObject = z
  .record(z.string(), z.unknown())
  .refine((schema) => schema['type'] === 'object', { message: 'parameters must be a JSON Schema with "type": "object"' })
  .refine((schema) => schemaProblem(schema) === null, { message: 'parameters is not a valid JSON Schema' });

/** One custom HTTP tool as the agent stores it (API spelling). */
export const httpToolSettings = z.object({
  type: z.literal('http').default('http'),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are 1-64 letters, digits, _ or -'),
  description: z.string().trim().min(1).max(1024),
  parameters: jsonSchemaObject.default({ type: 'object', properties: {} }),
  /** May hold `{{variable}}` placeholders, filled (URL-encoded) from the call's variables. */
  url: z.url({ protocol: /^https?$/ }),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** Values may hold `{{variable}}` placeholders; never logged (they often carry credentials). */
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a header name'), z.string().max(4096)).default({}),
  timeout_ms: z.number().int().min(1).max(30_000).default(5000),
});
/** An HTTP tool after defaults. */
export type HttpToolSettings = z.output<typeof httpToolSettings>;

/** Says why a URL may not be called (SSRF policy the server plugs in), or null to allow it. */
export type UrlCheck = (url: URL) => Promise<string | null>;

/** What a call of an HTTP tool uses beyond the tool itself. */
export interface HttpToolContext {
  readonly fetch: typeof fetch;
  /** The call's variables, for placeholders in the URL and headers. */
  readonly variables: Variables;
  readonly variableDefaults: Readonly<Record<string, string>>;
  readonly maxResponseBytes: number;
  readonly checkUrl?: UrlCheck;
}

function encodeAll(values: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, encodeURIComponent(String(value))]));
}

function buildRequest(tool: HttpToolSettings, args: Record<string, unknown>, context: HttpToolContext): { url: URL; init: RequestInit } {
  const url = new URL(renderTemplate(tool.url, encodeAll(context.variables), encodeAll(context.variableDefaults)));
  const headers: Record<string, string> = {
    accept: 'application/json, text/plain;q=0.9, */*;q=0.5',
    'user-agent': 'Parley-Tool/1',
  };
  for (const [name, value] of Object.entries(tool.headers)) {
    headers[name.toLowerCase()] = renderTemplate(value, context.variables, context.variableDefaults);
  }
  if (tool.method === 'GET' || tool.method === 'DELETE') {
    for (const [name, value] of Object.entries(args)) {
      url.searchParams.append(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    return { url, init: { method: tool.method, headers } };
  }
  headers['content-type'] = 'application/json';
  return { url, init: { method: tool.method, headers, body: JSON.stringify(args) } };
}

/** Reads at most `maxBytes` of the body, then stops the download. */
async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - size;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      size = maxBytes;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
}

function bodyValue(text: string, truncated: boolean): unknown {
  if (truncated || text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Calls the tool. Resolves to a failed outcome on a refused URL, timeout, connection error or
 * non-2xx answer; rejects only when `signal` (the conversation) is aborted.
 */
export async function callHttpTool(
  tool: HttpToolSettings,
  args: Record<string, unknown>,
  context: HttpToolContext,
  signal: AbortSignal,
): Promise<ToolOutcome> {
  const failed = (error: string, extra: Record<string, unknown> = {}): ToolOutcome => ({ ok: false, result: { error, ...extra }, endsTurn: false });
  let request: ReturnType<typeof buildRequest>;
  try {
    request = buildRequest(tool, args, context);
  } catch {
    return failed('The tool is misconfigured: its URL is not valid.');
  }
  const refusal = await context.checkUrl?.(request.url);
  if (refusal) return failed(`The tool may not be called: ${refusal}`);

  const timeout = new AbortController();
  // A timer rather than AbortSignal.timeout so tests can drive it with a fake clock.
  const timer = setTimeout(() => timeout.abort(), tool.timeout_ms);
  try {
    const response = await context.fetch(request.url, { ...request.init, signal: AbortSignal.any([signal, timeout.signal]) });
    const { text, truncated } = await readCapped(response, context.maxResponseBytes);
    const body = bodyValue(text, truncated);
    const extra = { status: response.status, body, ...(truncated ? { truncated: true } : {}) };
    if (!response.ok) return failed(`The service answered HTTP ${response.status}.`, extra);
    return { ok: true, result: extra, endsTurn: false };
  } catch (error) {
    if (signal.aborted) throw signal.reason ?? error;
    if (timeout.signal.aborted) return failed(`The service did not answer within ${tool.timeout_ms} ms.`);
    return failed('Could not reach the service.');
  } finally {
    clearTimeout(timer);
  }
}
