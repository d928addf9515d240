/**
 * Webhooks over real HTTP: endpoints API, every call event arriving signed (checked by an
 * independent verifier) and in order with the call as GET shows it, a call's own webhook_url
 * with its auth header, SSRF refusals at save and at delivery, the delivery log and replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type StartTestOptions, type TestParley, type Tenant } from '../support/parley.js';
import { createTempDatabase, postgresUrl } from '../support/postgres.js';
import { startWebhookReceiver, type RecordedDelivery, type WebhookReceiver } from '../fakes/webhook-receiver/receiver.js';
import { verifyStandardWebhook } from '../fakes/webhook-receiver/standard-webhooks.js';

let t: TestParley;
let tenant: Tenant;
let agentId: string;
const receivers: WebhookReceiver[] = [];

/** Public at save time, loopback at delivery time: a DNS rebinding attempt. */
let rebindChecks = 0;
let rebindPublicChecks = 0;

beforeAll(async () => {
  t = await startParley({
    env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' },
    moduleOverrides: { webhooks: { retryScheduleMs: [50, 100, 200], timeoutMs: 1_000 } },
  });
  tenant = await t.tenant();
  agentId = (await tenant.agent()).id;
});
afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await t?.close();
});

/**
 * startTestParley on a Postgres database of this file's own (when DATABASE_URL is set), dropped
 * only once the pool's sockets have closed: pg's pool.end() resolves before they have, and a
 * database dropped under them has the server kill them, which the pool (it has no error
 * listener) reports as an unhandled error.
 */
async function startParley(options: StartTestOptions = {}): Promise<TestParley> {
  const temp = postgresUrl && !options.databaseUrl ? await createTempDatabase() : undefined;
  const started = await startTestParley({ ...options, ...(temp ? { databaseUrl: temp.url } : {}) });
  return {
    ...started,
    async close() {
      await started.close();
      if (!temp) return;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await temp.drop();
    },
  };
}

/** An endpoint and a receiver holding its secret: created on a placeholder URL, then pointed at the receiver. */
async function endpointWithReceiver(body: Record<string, unknown> = {}, who: Tenant = tenant) {
  const created = await who.request('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/placeholder', ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const receiver = await startWebhookReceiver({ secret: created.body.secret });
  receivers.push(receiver);
  const patched = await who.request('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { url: receiver.url });
  expect(patched.status).toBe(200);
  return { endpoint: patched.body, secret: created.body.secret as string, receiver };
}

async function placeCall(extra: Record<string, unknown> = {}, to = '+14155550100'): Promise<string> {
  const created = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to, ...extra });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

function forCall(receiver: WebhookReceiver, callId: string): RecordedDelivery[] {
  return receiver.deliveries.filter((delivery) => (delivery.json as { data?: { id?: string } } | undefined)?.data?.id === callId);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function deliveriesOf(callId: string, count: number, receiver: WebhookReceiver): Promise<RecordedDelivery[]> {
  return until(`${count} deliveries of ${callId}`, () => {
    const got = forCall(receiver, callId);
    return got.length >= count ? got : undefined;
  });
}

const answeredCallEvents = ['call.queued', 'call.ringing', 'call.answered', 'call.completed', 'call.analyzed'];

describe('webhook endpoints API', () => {
  it('shows the whsec_ secret only on creation and masks header values', async () => {
    const created = await tenant.request('POST', '/v1/webhook-endpoints', {
      url: 'https://hooks.example.com/parley',
      events: ['call.completed', 'call.failed'],
      description: 'CRM',
      headers: { Authorization: 'Bearer crm-token-1234' },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.body).toMatchObject({ url: 'https://hooks.example.com/parley', events: ['call.completed', 'call.failed'], enabled: true, disabled_reason: null, headers: { Authorization: '••••1234' } });
    const got = await tenant.request('GET', `/v1/webhook-endpoints/${created.body.id}`);
    expect(got.body.secret).toBeUndefined();
    expect(JSON.stringify(got.body)).not.toContain('crm-token');
    const listed = await tenant.request('GET', '/v1/webhook-endpoints');
    expect(listed.body.data.map((endpoint: { id: string }) => endpoint.id)).toContain(created.body.id);

    const rotated = await tenant.request('POST', `/v1/webhook-endpoints/${created.body.id}/rotate-secret`, { previous_secret_expires_in_s: 0 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(rotated.body.previous_secret_expires_at).toBeNull();

    expect((await tenant.request('DELETE', `/v1/webhook-endpoints/${created.body.id}`)).status).toBe(204);
    expect((await tenant.request('GET', `/v1/webhook-endpoints/${created.body.id}`)).body.error.code).toBe('WEBHOOK_ENDPOINT_NOT_FOUND');
  });

  it('are in the OpenAPI document', async () => {
    const spec = await (await fetch(`${t.url}/openapi.json`)).json();
    for (const path of ['/v1/webhook-endpoints', '/v1/webhook-endpoints/{id}', '/v1/webhook-endpoints/{id}/rotate-secret', '/v1/webhook-deliveries', '/v1/webhook-deliveries/{id}/replay', '/v1/call-webhook-secret', '/v1/call-webhook-secret/rotate']) {
      expect(spec.paths[path], path).toBeDefined();
    }
    expect(JSON.stringify(spec.paths['/v1/calls'].post)).toContain('webhook_headers');
  });

  it('names the field at fault for bad input', async () => {
    const badEvent = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'https://hooks.example.com/x', events: ['call.exploded'] });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.error.details.issues[0].field).toBe('events.0');
    const badScheme = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'ftp://hooks.example.com/x' });
    expect(badScheme.status).toBe(400);
    expect(badScheme.body.error.message).toContain('url');
    const reserved = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'https://hooks.example.com/x', headers: { 'webhook-signature': 'v1,forged' } });
    expect(reserved.status).toBe(400);
    expect(reserved.body.error.message).toContain('headers');
    const injected = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'https://hooks.example.com/x', headers: { 'X-Token': 'a\r\nX-Evil: 1' } });
    expect(injected.status).toBe(400);
    // Credentials go in headers (sealed), not in the URL (stored and shown as written).
    const credentials = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'https://user:pass@hooks.example.com/x' });
    expect(credentials.status).toBe(400);
    expect(credentials.body.error.message).toContain('credentials');
    const long = await tenant.request('POST', '/v1/webhook-endpoints', { url: `https://hooks.example.com/${'x'.repeat(10_000)}` });
    expect(long.body.error.message).toContain('longer than 2048 characters');
    const portZero = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'http://hooks.example.com:0/x' });
    expect(portZero.body.error.message).toContain('port 0');
  });

  it('keeps endpoints to admin keys for writes and calls:read for reads', async () => {
    const { body: reader } = await tenant.request('POST', '/v1/api-keys', { name: 'reader', scopes: ['calls:read'] });
    const asReader = (method: string, path: string, body?: unknown) =>
      fetch(`${t.url}${path}`, { method, headers: { authorization: `Bearer ${reader.key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    expect((await asReader('GET', '/v1/webhook-endpoints')).status).toBe(200);
    expect((await asReader('GET', '/v1/webhook-deliveries')).status).toBe(200);
    const refused = await asReader('POST', '/v1/webhook-endpoints', { url: 'https://hooks.example.com/x' });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('FORBIDDEN_SCOPE');
    const other = await t.tenant();
    const created = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'https://hooks.example.com/mine' });
    expect((await other.request('GET', `/v1/webhook-endpoints/${created.body.id}`)).status).toBe(404);
    await tenant.request('DELETE', `/v1/webhook-endpoints/${created.body.id}`);
  });
});

describe('call events', () => {
  it('arrive signed, in order, each with the call as GET shows it at that moment', async () => {
    const { receiver, endpoint } = await endpointWithReceiver();
    const only = await endpointWithReceiver({ events: ['call.completed'] });
    const callId = await placeCall();
    const got = await deliveriesOf(callId, answeredCallEvents.length, receiver);
    const final = await tenant.request('GET', `/v1/calls/${callId}`);

    expect(got.map((delivery) => delivery.type)).toEqual(answeredCallEvents);
    for (const delivery of got) {
      expect(delivery.verified, delivery.verifyFailure ?? '').toBe(true);
      expect(delivery.headers['content-type']).toBe('application/json');
    }
    expect(new Set(got.map((delivery) => delivery.id)).size).toBe(got.length);
    const bodies = got.map((delivery) => delivery.json as { type: string; timestamp: string; data: Record<string, unknown> });
    expect(bodies.map((body) => body.data.status)).toEqual(['queued', 'ringing', 'in_progress', 'completed', 'completed']);
    expect(Object.keys(bodies[0]!)).toEqual(['type', 'timestamp', 'data']);
    const times = bodies.map((body) => Date.parse(body.timestamp));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The last event is the call exactly as the API now shows it (outcome and summary included).
    expect(bodies.at(-1)!.data).toEqual(final.body);
    expect(bodies[3]!.data.transcript).toEqual(final.body.transcript);

    await deliveriesOf(callId, 1, only.receiver);
    expect(forCall(only.receiver, callId).map((delivery) => delivery.type)).toEqual(['call.completed']);

    // The log agrees: five delivered, each once, with a status code and a latency.
    const log = await until('the log to show five delivered', async () => {
      const { body } = await tenant.request('GET', `/v1/webhook-deliveries?call_id=${callId}&endpoint_id=${endpoint.id}`);
      return body.data.length === 5 && body.data.every((row: { status: string }) => row.status === 'delivered') ? body.data : undefined;
    });
    expect(log.map((row: { event_type: string }) => row.event_type).reverse()).toEqual(answeredCallEvents);
    for (const row of log) {
      expect(row).toMatchObject({ target: 'endpoint', attempts: 1, last_status_code: 200, last_error: null, next_attempt_at: null });
      expect(row.last_latency_ms).toBeGreaterThanOrEqual(0);
    }
    expect(log.map((row: { id: string }) => row.id).sort()).toEqual(got.map((delivery) => delivery.id).sort());
  });

  it('raise the terminal event a busy line or a failed dial ends with', async () => {
    const { receiver } = await endpointWithReceiver();
    const busy = await placeCall({}, '+14155550101');
    const failed = await placeCall({}, '+14155550105');
    const typesOnceEnded = (callId: string, last: string) =>
      until(`${last} for ${callId}`, () => {
        const types = forCall(receiver, callId).map((delivery) => delivery.type);
        return types.includes(last) ? types : undefined;
      });
    expect(await typesOnceEnded(busy, 'call.busy')).toEqual(['call.queued', 'call.ringing', 'call.busy']);
    const failedTypes = await typesOnceEnded(failed, 'call.failed');
    expect(failedTypes[0]).toBe('call.queued');
    expect(failedTypes.at(-1)).toBe('call.failed');
  });

  it("go to the call's own webhook_url with its Authorization header, signed with the organisation's call secret", async () => {
    const { body: secretBody } = await tenant.request('GET', '/v1/call-webhook-secret');
    expect(secretBody.secret).toMatch(/^whsec_/);
    const receiver = await startWebhookReceiver({ secret: secretBody.secret });
    receivers.push(receiver);
    const callId = await placeCall({ webhook_url: `${receiver.url}?call=1`, webhook_headers: { Authorization: 'hamsa-key hamsa-secret' } });
    const got = await deliveriesOf(callId, answeredCallEvents.length, receiver);
    expect(got.map((delivery) => delivery.type)).toEqual(answeredCallEvents);
    for (const delivery of got) {
      expect(delivery.verified).toBe(true);
      expect(delivery.headers.authorization).toBe('hamsa-key hamsa-secret');
      expect(delivery.path).toBe('/webhooks?call=1');
    }
    // The receiver can have the last one a moment before its outcome is recorded.
    const own = await until('the call\'s own deliveries to be logged delivered', async () => {
      const { body } = await tenant.request('GET', `/v1/webhook-deliveries?call_id=${callId}&limit=100`);
      const rows = body.data.filter((row: { target: string }) => row.target === 'call');
      return rows.length === answeredCallEvents.length && rows.every((row: { status: string }) => row.status === 'delivered') ? rows : undefined;
    });
    for (const row of own) expect(row).toMatchObject({ endpoint_id: null, status: 'delivered', url: `${receiver.url}?call=1` });
    // The call shows its URL but never the header.
    expect(JSON.stringify((await tenant.request('GET', `/v1/calls/${callId}`)).body)).not.toContain('hamsa-secret');
  });

  it("rotate the calls' secret: the old one signs beside the new one for the overlap, then no more", async () => {
    // An organisation of its own: rotating must not change the secret other tests verify with.
    const own = await t.tenant();
    const ownAgent = (await own.agent()).id;
    const placeOwn = async (webhookUrl: string): Promise<string> => {
      const created = await own.request('POST', '/v1/calls', { agent_id: ownAgent, to: '+14155550100', webhook_url: webhookUrl });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body.id;
    };
    const old = (await own.request('GET', '/v1/call-webhook-secret')).body.secret as string;
    const rotated = await own.request('POST', '/v1/call-webhook-secret/rotate', { previous_secret_expires_in_s: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(old);
    expect(new Date(rotated.body.previous_secret_expires_at).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect((await own.request('GET', '/v1/call-webhook-secret')).body.secret).toBe(rotated.body.secret);

    // During the overlap a receiver holding either secret verifies every delivery.
    const holdsOld = await startWebhookReceiver({ secret: old });
    const holdsNew = await startWebhookReceiver({ secret: rotated.body.secret });
    receivers.push(holdsOld, holdsNew);
    const [viaOld, viaNew] = await Promise.all([
      placeOwn(holdsOld.url), placeOwn(holdsNew.url),
    ]);
    for (const [callId, receiver] of [[viaOld, holdsOld], [viaNew, holdsNew]] as const) {
      const got = await deliveriesOf(callId, answeredCallEvents.length, receiver);
      expect(got.every((delivery) => delivery.verified)).toBe(true);
    }

    // Rotated with no overlap: the secret before it no longer signs.
    const again = await own.request('POST', '/v1/call-webhook-secret/rotate', { previous_secret_expires_in_s: 0 });
    expect(again.body.previous_secret_expires_at).toBeNull();
    const stale = await startWebhookReceiver({ secret: rotated.body.secret });
    receivers.push(stale);
    await placeOwn(stale.url);
    const [first] = await stale.waitForDeliveries(1, 10_000);
    expect(first!.verified).toBe(false);
  });
});

describe('what a delivery will not do', () => {
  it('follow a redirect: a 3xx is a failure, retried on the schedule, then given up', async () => {
    const { receiver, endpoint } = await endpointWithReceiver({ events: ['call.queued'] });
    await receiver.setMode({ kind: 'redirect', status: 302, location: '/webhooks/moved' });
    const callId = await placeCall({}, '+14155550101');
    const row = await until('the redirected delivery to be given up', async () => {
      const { body } = await tenant.request('GET', `/v1/webhook-deliveries?call_id=${callId}&endpoint_id=${endpoint.id}`);
      return body.data[0]?.status === 'abandoned' ? body.data[0] : undefined;
    });
    expect(row).toMatchObject({ attempts: 4, last_status_code: 302 });
    expect(row.last_error).toContain('redirects are not followed');
    expect(row.last_error).toContain('gave up after 4 attempts');
    expect(receiver.deliveries.map((delivery) => delivery.path)).toEqual(Array(4).fill('/webhooks'));
  });

  it('send a body over 256 KiB: the delivery is abandoned with the reason, nothing is sent', async () => {
    const { receiver, endpoint } = await endpointWithReceiver({ events: ['call.queued'] });
    const callId = await placeCall({ metadata: { notes: 'x'.repeat(300 * 1024) } }, '+14155550101');
    const row = await until('the oversized delivery to be abandoned', async () => {
      const { body } = await tenant.request('GET', `/v1/webhook-deliveries?call_id=${callId}&endpoint_id=${endpoint.id}`);
      return body.data[0]?.status === 'abandoned' ? body.data[0] : undefined;
    });
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/over the 262144-byte limit/);
    expect(forCall(receiver, callId)).toHaveLength(0);
  });
});

describe('SSRF, without PARLEY_WEBHOOK_ALLOW_PRIVATE', () => {
  let strict: TestParley;
  let admin: Tenant;
  beforeAll(async () => {
    // DNS is the test's: every name answers a public address, except as below.
    // `rebind.example.com` answers a public address the first time each URL is checked (save time), loopback after.
    strict = await startParley({
      moduleOverrides: {
        webhooks: {
          lookup: async (host: string) => {
            if (host !== 'rebind.example.com') return [{ address: '93.184.216.34', family: 4 }];
            const first = rebindChecks++ < rebindPublicChecks;
            return [{ address: first ? '93.184.216.34' : '127.0.0.1', family: 4 }];
          },
        },
      },
    });
    admin = await strict.tenant();
  });
  afterAll(async () => {
    await strict?.close();
  });

  it('refuses a private or metadata URL at save time', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://10.0.0.5/hook', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/hook']) {
      const refused = await admin.request('POST', '/v1/webhook-endpoints', { url });
      expect(refused.status, url).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'WEBHOOK_URL_REFUSED', details: { field: 'url', reason: 'blocked_address' } });
    }
    const metadata = await admin.request('POST', '/v1/webhook-endpoints', { url: 'http://169.254.169.254/latest/meta-data' });
    expect(metadata.body.error.details.range).toBe('metadata');
    const created = await admin.request('POST', '/v1/webhook-endpoints', { url: 'https://hooks.example.com/ok' });
    expect(created.status).toBe(201);
    const patched = await admin.request('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { url: 'http://192.168.1.20/hook' });
    expect(patched.status).toBe(422);
    await admin.request('DELETE', `/v1/webhook-endpoints/${created.body.id}`);
  });

  it("refuses a call whose own webhook_url is private, naming the field, and stores nothing", async () => {
    const agent = await admin.agent();
    for (const url of ['http://127.0.0.1:9/own', 'http://169.254.169.254/latest/meta-data']) {
      const refused = await admin.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550102', webhook_url: url });
      expect(refused.status, url).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'WEBHOOK_URL_REFUSED', details: { field: 'webhook_url' } });
    }
    const listed = await admin.request('GET', '/v1/calls?number=%2B14155550102');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(0);
  });

  it('refuses at delivery time a host that resolved to a public address when saved and to loopback now', async () => {
    const agent = await admin.agent();
    // Public when the endpoint is saved and when the call is placed; loopback at every delivery.
    rebindChecks = 0;
    rebindPublicChecks = 2;
    const created = await admin.request('POST', '/v1/webhook-endpoints', { url: 'http://rebind.example.com/hook' });
    expect(created.status).toBe(201);
    const call = await admin.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550101', webhook_url: 'http://rebind.example.com/own' });
    expect(call.status, JSON.stringify(call.body)).toBe(201);
    const refused = await until('the queued event to be refused at both targets', async () => {
      const { body } = await admin.request('GET', `/v1/webhook-deliveries?call_id=${call.body.id}&event_type=call.queued`);
      return body.data.length === 2 && body.data.every((row: { status: string }) => row.status === 'abandoned') ? body.data : undefined;
    });
    for (const row of refused) {
      expect(row.last_error).toContain('private network address (loopback)');
      expect(row.attempts).toBe(1);
    }
  });
});

describe('delivery log and replay', () => {
  it('filters by call, endpoint and status, pages with a cursor, and replays with the same webhook-id', async () => {
    const { receiver, endpoint } = await endpointWithReceiver();
    const callId = await placeCall({}, '+14155550101');
    const got = await deliveriesOf(callId, 2, receiver);
    const page1 = await tenant.request('GET', `/v1/webhook-deliveries?call_id=${callId}&endpoint_id=${endpoint.id}&limit=1`);
    expect(page1.body.data).toHaveLength(1);
    expect(page1.body.has_more).toBe(true);
    const page2 = await tenant.request('GET', `/v1/webhook-deliveries?call_id=${callId}&endpoint_id=${endpoint.id}&limit=1&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.data[0].id).not.toBe(page1.body.data[0].id);
    expect((await tenant.request('GET', `/v1/webhook-deliveries?call_id=${callId}&endpoint_id=${endpoint.id}&status=failed,abandoned`)).body.data).toHaveLength(0);
    expect((await tenant.request('GET', '/v1/webhook-deliveries?status=lost')).status).toBe(400);

    const first = got[0]!;
    const detail = await tenant.request('GET', `/v1/webhook-deliveries/${first.id}`);
    expect(detail.body).toMatchObject({ id: first.id, event_type: 'call.queued', status: 'delivered', attempts: 1 });
    expect(detail.body.payload.data.id).toBe(callId);

    const replayed = await tenant.request('POST', `/v1/webhook-deliveries/${first.id}/replay`);
    expect(replayed.status).toBe(202);
    expect(replayed.body.status).toBe('pending');
    const again = await until('the replay to arrive', () => {
      const same = receiver.deliveries.filter((delivery) => delivery.id === first.id);
      return same.length === 2 ? same[1] : undefined;
    });
    expect(again.verified).toBe(true);
    expect(again.body).toBe(first.body);
    const after = await until('the replay to be logged', async () => {
      const { body } = await tenant.request('GET', `/v1/webhook-deliveries/${first.id}`);
      return body.status === 'delivered' && body.attempts === 2 ? body : undefined;
    });
    expect(after.last_status_code).toBe(200);
    expect((await tenant.request('POST', '/v1/webhook-deliveries/msg_nope/replay')).body.error.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
  });

  it('signs with both secrets while a rotation overlaps, so a receiver on the old secret keeps verifying', async () => {
    const { receiver, endpoint, secret } = await endpointWithReceiver();
    const rotated = await tenant.request('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {});
    expect(new Date(rotated.body.previous_secret_expires_at).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const callId = await placeCall({}, '+14155550101');
    const [queued] = await deliveriesOf(callId, 1, receiver);
    expect(queued!.verified).toBe(true);
    const nowS = Math.floor(queued!.receivedAtMs / 1000);
    expect(verifyStandardWebhook({ secret: rotated.body.secret, headers: queued!.headers, body: queued!.body, nowS })).toBeNull();
    expect(verifyStandardWebhook({ secret, headers: queued!.headers, body: queued!.body, nowS })).toBeNull();
    expect(String(queued!.headers['webhook-signature']).split(' ')).toHaveLength(2);
  });
});
