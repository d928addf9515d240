/**
 * Replays a fixture example against a running Parley: the documented bytes, headers and path,
 * with only the base URL, the key and the example's recorded substitutions changed. Substituted
 * values are spliced into the wire text in place, so whitespace and key order stay as documented.
 */
import type { CompatExample, CompatFixture } from './fixtures/schema.js';
import { shapeMismatches } from './fixtures/shape.js';

/** Values for the `{{NAME}}` placeholders; a list hands out its items in turn (several call ids). */
export type ReplayValues = Readonly<Record<string, string | readonly string[]>>;

export interface Replayed {
  readonly status: number;
  readonly body: any;
  readonly sent: { readonly url: string; readonly headers: Record<string, string>; readonly body: string | null };
}

/** Where each JSON value of `text` starts and ends, by RFC 6901 pointer ('' is the whole text). */
export function valueSpans(text: string): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>();
  let i = 0;
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (char: string) => {
    if (text[i] !== char) throw new Error(`expected ${char} at ${i}`);
    i++;
  };
  const string = (): string => {
    const start = i;
    expect('"');
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (pointer: string): void => {
    space();
    const start = i;
    const char = text[i];
    if (char === '{') {
      i++;
      space();
      if (text[i] === '}') i++;
      else
        for (;;) {
          space();
          const key = string();
          space();
          expect(':');
          value(`${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
          space();
          if (text[i] === ',') i++;
          else {
            expect('}');
            break;
          }
        }
    } else if (char === '[') {
      i++;
      space();
      let index = 0;
      if (text[i] === ']') i++;
      else
        for (;;) {
          value(`${pointer}/${index++}`);
          space();
          if (text[i] === ',') i++;
          else {
            expect(']');
            break;
          }
        }
    } else if (char === '"') string();
    else while (i < text.length && !',}] \t\n\r'.includes(text[i]!)) i++;
    spans.set(pointer, [start, i]);
  };
  value('');
  return spans;
}

function templater(values: ReplayValues) {
  const used = new Map<string, number>();
  return (text: string): string =>
    text.replace(/\{\{([A-Z_]+)\}\}/g, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no value for {{${name}}}`);
      if (typeof value === 'string') return value;
      const n = used.get(name) ?? 0;
      used.set(name, n + 1);
      return value[n % value.length]!;
    });
}

/** The request an example makes, with placeholders and substitutions applied. */
export function prepare(example: CompatExample, baseUrl: string, values: ReplayValues) {
  const fill = templater(values);
  const query = new URLSearchParams(Object.entries(example.query).map(([name, value]) => [name, fill(value)])).toString();
  const url = `${baseUrl}${fill(example.path)}${query ? `?${query}` : ''}`;
  const headers = Object.fromEntries(Object.entries({ ...example.headers, ...example.implicit_headers }).map(([name, value]) => [name, fill(value)]));
  let body = example.body_wire;
  if (body !== null) {
    const spans = valueSpans(body);
    const edits = example.substitutions
      .filter((s) => s.pointer.startsWith('/body') && s.substitute !== undefined)
      .map((s) => {
        const span = spans.get(s.pointer.slice('/body'.length));
        if (!span) throw new Error(`${example.id}: no value at ${s.pointer}`);
        const value = typeof s.substitute === 'string' ? fill(s.substitute) : s.substitute;
        return { span, text: JSON.stringify(value) };
      })
      .sort((a, b) => b.span[0] - a.span[0]);
    for (const { span, text } of edits) body = body.slice(0, span[0]) + text + body.slice(span[1]);
  }
  return { url, method: example.method, headers, body };
}

/** Sends an example as prepared and reads the JSON answer. */
export async function replay(example: CompatExample, baseUrl: string, values: ReplayValues): Promise<Replayed> {
  const request = prepare(example, baseUrl, values);
  const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body ?? undefined });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, sent: { url: request.url, headers: request.headers, body: request.body } };
}

/** The documented shape an example's answer must have (a response or an error of its endpoint). */
export function expectedShape(fixture: CompatFixture, example: CompatExample) {
  const endpoint = fixture.endpoints.find((candidate) => candidate.id === example.endpoint)!;
  const id = example.expected_response.response;
  const response = endpoint.responses.find((candidate) => candidate.id === id);
  if (response) return response.shape;
  return endpoint.errors.find((candidate) => candidate.id === id)!.body;
}

/** Mismatches of an answer against its documented shape; null stands for a value Parley does not have. */
export function answerMismatches(fixture: CompatFixture, example: CompatExample, body: unknown): string[] {
  const shape = expectedShape(fixture, example);
  return shape ? shapeMismatches(body, shape, { allowNull: true }) : [];
}

/** Waits until none of the tenant's calls is queued or live, so a test file never closes Parley mid-call. */
export async function waitForCallsToEnd(tenant: { request(method: string, path: string): Promise<{ body: any }> }, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await tenant.request('GET', '/v1/calls?status=queued,dialing,ringing,in_progress&limit=100');
    if (body.data.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${body.data.length} calls still live`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
