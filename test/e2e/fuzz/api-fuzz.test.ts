/**
 * Property: no malformed request gets a 5xx, and every 400 names the field at fault. fast-check
 * walks every operation of /openapi.json and every compat dialect route with malformed path
 * ids, query values, body fields, raw bodies and content types, against a real Parley (PGlite
 * or Postgres, like every e2e test). The count is bounded (FUZZ_RUNS, default 3000) so it runs
 * in `npm test`; the seed is fixed (FUZZ_SEED to vary it). It prints how many cases ran and the
 * status histogram.
 */
import { request as httpRequest, Agent } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley, type Tenant } from '../../support/parley.js';
import { contentType, dialectOperations, malformedQueryValue, malformedRawBody, malformedSegment, malformedValue, nativeOperations, toJsonText, type Fixtures, type Operation } from './cases.js';

const runs = Number(process.env.FUZZ_RUNS ?? 3000);
const seed = Number(process.env.FUZZ_SEED ?? 20261204);

let t: TestParley;
let tenant: Tenant;
let fixtures: Fixtures;
let hookToken: string;
let operations: Operation[];
const histogram = new Map<number, number>();
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

beforeAll(async () => {
  t = await startTestParley({ env: { PARLEY_WORKER: 'off' }, llm: 'none' });
  tenant = await t.tenant();
  const flow = await tenant.agent({ kind: 'flow', template: 'appointment_confirmation', prompt: undefined, greeting: undefined });
  const call = await tenant.request('POST', '/v1/calls', { agent_id: flow.id, to: '+14155550100', variables: { customer_name: 'Ana', appointment_date: 'Friday' } });
  fixtures = { agentId: flow.id, callId: call.body.id, number: flow.number };
  hookToken = (await tenant.request('POST', '/v1/hooks', { name: 'fuzz', agent_id: flow.id })).body.token;
  const spec = (await tenant.request('GET', '/openapi.json')).body;
  operations = [...nativeOperations(spec, fixtures), ...dialectOperations(fixtures)];
});

afterAll(async () => {
  agent.destroy();
  await t?.close();
});

interface Mutation {
  readonly op: number;
  readonly kind: 'path' | 'query' | 'field' | 'raw' | 'extra_field';
  readonly segment: string;
  readonly query: string;
  readonly field: number;
  readonly value: unknown;
  readonly raw: string;
  readonly contentType: string | undefined;
  readonly anonymous: boolean;
}

const mutation = (count: number): fc.Arbitrary<Mutation> =>
  fc.record({
    op: fc.nat({ max: count - 1 }),
    kind: fc.constantFrom('path', 'query', 'field', 'field', 'field', 'raw', 'extra_field'),
    segment: malformedSegment,
    query: malformedQueryValue,
    field: fc.nat({ max: 50 }),
    value: malformedValue,
    raw: malformedRawBody,
    contentType,
    // One request in twenty without its credential (deterministic under the seed).
    anonymous: fc.nat({ max: 19 }).map((n) => n === 0),
  });

/** The request a mutation makes of an operation: method, raw path (not normalised) and body. */
function build(operation: Operation, original: Mutation): { path: string; body: string | undefined; headers: Record<string, string> } {
  // A route without a body gets its mutation in the path or the query instead (a GET's body is ignored).
  const m: Mutation = operation.body || original.kind === 'path' || original.kind === 'query'
    ? original
    : { ...original, kind: operation.pathParams.length && original.field % 2 ? 'path' : 'query' };
  let path = operation.path;
  for (const name of operation.pathParams) {
    const real = name === 'token' ? hookToken : /call/.test(operation.path) ? fixtures.callId : fixtures.agentId;
    path = path.replace(`{${name}}`, m.kind === 'path' ? m.segment : real);
  }
  if (m.kind === 'query') {
    const names = operation.queryParams.length ? operation.queryParams : ['unknown_param'];
    path += `?${names[m.field % names.length]}=${m.query}`;
  }
  let body: string | undefined;
  if (m.kind === 'raw') body = m.raw;
  else if (operation.body) {
    const fields = Object.keys(operation.body);
    const copy: Record<string, unknown> = { ...operation.body };
    if (m.kind === 'field' && fields.length) copy[fields[m.field % fields.length]!] = m.value;
    if (m.kind === 'extra_field') copy[`fuzz_${m.field}`] = m.value;
    body = toJsonText(copy);
  } else if (m.kind === 'field' || m.kind === 'extra_field') {
    body = toJsonText(m.value);
  }
  const headers: Record<string, string> = {};
  if (body !== undefined && m.contentType) headers['content-type'] = m.contentType;
  if (!m.anonymous) {
    if (operation.auth === 'bearer') headers.authorization = `Bearer ${tenant.key}`;
    if (operation.auth === 'x-api-key') headers['x-api-key'] = tenant.key;
    if (operation.auth === 'token') headers.authorization = `Token ${tenant.key}`;
  }
  return { path, body, headers };
}

function send(method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const framed = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = httpRequest({ hostname, port, method, path, headers: framed, agent, timeout: 15_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in 15 s: ${method} ${path.slice(0, 200)}`)));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** The field a 400 names, in the native shape or the dialect's. */
function namedField(operation: Operation, text: string): string | undefined {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (operation.dialect === 'voicing') {
    // Voicing documents `{detail}` only: the field is named in the message.
    return /"([^"]+)"/.exec(body?.detail ?? '')?.[1] ?? /\b(body|URL|url|content-type|Content-Length)\b/.exec(body?.detail ?? '')?.[1];
  }
  const error = body?.error;
  const details = error?.details;
  return details?.field ?? details?.issues?.[0]?.field;
}

describe('API fuzz (property-based)', () => {
  it(`answers ${runs} malformed requests with no 5xx, and names a field in every 400`, async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(mutation(operations.length), async (m) => {
        const operation = operations[m.op]!;
        const { path, body, headers } = build(operation, m);
        let answer: { status: number; text: string };
        try {
          answer = await send(operation.method, path, headers, body);
        } catch (error) {
          failures.push(`no answer (${(error as Error).message}): ${operation.method} ${path.slice(0, 120)} [${m.kind}] body ${String(body).slice(0, 80)}`);
          return true;
        }
        const { status, text } = answer;
        histogram.set(status, (histogram.get(status) ?? 0) + 1);
        const where = `${operation.method} ${path.slice(0, 120)} [${m.kind}] -> ${status} ${text.slice(0, 300)}`;
        if (status >= 500) failures.push(where);
        if (status === 400 && !namedField(operation, text)) failures.push(`no field named: ${where}`);
        // Every case runs (no early stop): the histogram covers them all and every failure is listed.
        return true;
      }),
      { numRuns: runs, seed },
    );
    expect(failures.slice(0, 40)).toEqual([]);
  }, 240_000);

  afterAll(() => {
    const total = [...histogram.values()].reduce((a, b) => a + b, 0);
    const rows = [...histogram.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `  ${status}  ${String(count).padStart(5)}`);
    // The figures for the closing note: cases run and their status codes.
    console.log(`API fuzz: ${total} requests over ${operations?.length ?? 0} operations (seed ${seed})\n  status  count\n${rows.join('\n')}`);
  });
});
