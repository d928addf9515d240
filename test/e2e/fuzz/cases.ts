/**
 * What the API fuzz sends: the operations (every native route in /openapi.json, and the compat
 * dialects' routes, which the spec hides), a near-valid body for each, and fast-check
 * arbitraries of malformed values, path segments, queries and raw bodies.
 */
import fc from 'fast-check';

export interface Operation {
  readonly method: string;
  /** With `{name}` placeholders for path parameters. */
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly string[];
  /** A body that passes validation or nearly does, so mutations reach deep. Undefined: no body. */
  readonly body: Record<string, unknown> | undefined;
  /** How the route takes its credential. */
  readonly auth: 'bearer' | 'x-api-key' | 'token' | 'hook';
  /** `native` answers `{error:{code,message,details}}`; a dialect its vendor's shape. */
  readonly dialect: string;
}

/** Values a body field gets before a mutation: real ids and numbers where the name says so. */
export interface Fixtures {
  readonly agentId: string;
  readonly callId: string;
  readonly number: string;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
};

/** A value of `schema`, shaped by the field's name where the name says what it holds. */
export function sample(schema: JsonSchema | undefined, name: string, fixtures: Fixtures, depth = 0): unknown {
  if (!schema || depth > 6) return 'x';
  if (/(^|_)agent_id$|^assistant_id$|^voiceAgentId$|^use_case_id$/.test(name)) return fixtures.agentId;
  if (/^(to|number|phone_number|contact_number|toNumber)$/.test(name)) return '+14155550100';
  if (name === 'from') return fixtures.number;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const choice = schema.anyOf ?? schema.oneOf;
  if (choice?.length) return sample(choice.find((option) => option.type !== 'null') ?? choice[0], name, fixtures, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || depth === 0) out[key] = sample(child, key, fixtures, depth + 1);
      }
      return out;
    }
    case 'array':
      return [sample(schema.items, name, fixtures, depth + 1)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 10;
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'date-time') return new Date(Date.now() + 3600_000).toISOString();
      if (schema.format === 'uri') return 'https://example.com/hook';
      return name === 'name' ? 'Fuzz' : 'x';
    default:
      return 'x';
  }
}

/** The native operations of an OpenAPI 3.1 document that answer and end (not event streams). */
export function nativeOperations(spec: any, fixtures: Fixtures): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(spec.paths ?? {})) {
    for (const [method, operation] of Object.entries<any>(methods)) {
      // An event stream's answer never ends, so a request that passes would hold the walk open;
      // test/e2e/events-and-pages.test.ts covers GET /v1/events (its refusals included).
      if (operation.responses?.['200']?.content?.['text/event-stream']) continue;
      const parameters: any[] = operation.parameters ?? [];
      const schema = operation.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        body: schema ? (sample(schema, '', fixtures) as Record<string, unknown>) : undefined,
        auth: path === '/v1/hooks/{token}' ? 'hook' : 'bearer',
        dialect: 'native',
      });
    }
  }
  return operations;
}

/** The dialects' routes (hidden from the spec), each with the body its vendor documents. */
export function dialectOperations(fixtures: Fixtures): Operation[] {
  const { agentId, callId } = fixtures;
  const op = (dialect: string, method: string, path: string, auth: Operation['auth'], body?: Record<string, unknown>, queryParams: string[] = []): Operation => ({
    method, path: `/compat/${dialect}${path}`, pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!), queryParams, body, auth, dialect,
  });
  const voicing = '/api/v1/campaigns';
  return [
    op('huskyvoice', 'POST', '/v1/calls', 'bearer', { agent_id: agentId, contact_number: '+14155550100', contact_name: 'Ana Lee', additional_info: { a: 'b' } }),
    op('huskyvoice', 'GET', '/v1/calls/{id}', 'bearer'),
    op('huskyvoice', 'POST', '/v1/calls/{id}/cancel', 'bearer'),
    op('huskyvoice', 'POST', '/v1/hooks/{token}', 'hook', { action: 'call.create', data: { agent_id: agentId, contact_number: '+14155550100', contact_name: 'Ana' } }),
    op('voicing', 'POST', `${voicing}/publish-outbound-call`, 'x-api-key', { assistant_id: agentId, phone_number: '+14155550100', input_variables: { a: 'b' }, telephony_provider: 'default' }),
    op('voicing', 'GET', `${voicing}/get-call-details`, 'x-api-key', undefined, ['call_id', 'page', 'limit']),
    op('voicing', 'GET', `${voicing}/get-call-details/{call_id}`, 'x-api-key'),
    op('voicing', 'POST', `${voicing}/get-call-details/bulk-by-ids`, 'x-api-key', { call_ids: [callId] }),
    op('hamsa', 'POST', '/v1/voice-agents/call', 'token', {
      toNumber: '+14155550100', voiceAgentId: agentId, params: { a: 'b' }, webhookUrl: 'https://example.com/h', webhookAuth: { authKey: 'k' },
      agentDetails: { greetingMessage: 'Hi', preamble: 'Be kind', outcomeResponseShape: { confirmed: { type: 'boolean', description: 'd' } } },
    }),
    op('happyrobot', 'POST', '/api/v1/dial/outbound', 'bearer', { phone_number: '+14155550100', use_case_id: agentId, params: { a: 'b' }, metadata: { m: 1 }, max_duration_mins: 5 }),
    op('vozagent', 'POST', '/v1/calls/outbound', 'bearer', { phone_number: '+14155550100', assistant_id: agentId, first_name: 'Ana', tags: ['a'], notes: 'n' }),
  ];
}

/** Marks a value the serializer replaces by JSON nested `n` deep (JSON.stringify would overflow building it). */
const deepMarker = '\u2063deep:';
export const deepValue = (depth: number, open: '[' | '{"a":') => `${deepMarker}${open === '[' ? 'array' : 'object'}:${depth}`;

/** JSON text of `value`, with deep markers expanded into raw nesting. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u2063deep:(array|object):(\d+)"/g, (_all, kind: string, depth: string) => {
    const n = Number(depth);
    return kind === 'array' ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });
}

const nastyStrings = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800x', 'x\udfff', '\udc00\ud800', '💥💥', '\u202eevil', "' OR 1=1 --", '../../etc/passwd', '%00', '%E0%A4%A',
  '+', '+1', '+999999999999999999', '00000000000', 'NaN', '-1', '1e309', '2026-13-45T99:99:99Z', '0000-00-00T00:00:00Z', 'null', 'undefined',
  'agent_', 'call_', '__proto__', 'constructor', '{{x}}', '<script>', 'x'.repeat(300), 'y'.repeat(6000), 'Not/AZone', 'javascript:alert(1)',
  'http://127.0.0.1/x', 'ftp://x', '\r\nX-Injected: 1',
];

/** A malformed JSON value: hostile strings, wrong types, huge numbers, deep or poisoned structures. */
export const malformedValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...nastyStrings) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => `${s}\u0000`) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 2 ** 53 + 1, 1e308, -1e308)) },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null)), { maxLength: 4 }) },
  { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', '', 'a\u0000')), fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null)), { maxKeys: 4 }) },
  { weight: 2, arbitrary: fc.constantFrom(deepValue(33, '['), deepValue(5000, '{"a":'), deepValue(40, '{"a":'), deepValue(3000, '[')) },
  { weight: 1, arbitrary: fc.constant(Array.from({ length: 200 }, (_, i) => i)) },
  { weight: 1, arbitrary: fc.constant(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]))) },
);

/** A malformed path segment, as sent on the wire (already escaped, or deliberately not). */
export const malformedSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%00', '%E0%A4%A', '%', '%zz', '%ED%A0%80', '%F0%9F%92%A5', '..', '%2F', '%20', 'a'.repeat(101), 'b'.repeat(3000), 'agent_', 'call_', '0', '-1', 'null', '%C0%AF', '%FF'),
  fc.string({ maxLength: 30, unit: 'binary' }).map((s) => {
    try {
      return encodeURIComponent(s) || 'x';
    } catch {
      return 'x';
    }
  }),
);

/** A malformed query value, escaped or not. */
export const malformedQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%00', '%E0%A4%A', '', '-1', '0', '1e999', 'abc', '%ED%A0%80', 'x'.repeat(600), 'queued,nope', '2026-99-99', '%FF'),
  fc.string({ maxLength: 20, unit: 'binary' }).map((s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return 'x';
    }
  }),
);

/** A body that is not the JSON object the route wants. */
export const malformedRawBody: fc.Arbitrary<string> = fc.constantFrom(
  '', ' ', '{', '{"a":', '[]', '"s"', '123', 'null', 'true', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', '{"a":"\\ud800"}',
  '{"a":"\\u0000"}', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, '{"a":1,"a":2}', '\ufeff{}', '{"a":1e99999}', 'nul',
);

/** The content types a careless client sends. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/xml', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '*/*') },
);
