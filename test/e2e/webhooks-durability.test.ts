/**
 * Webhooks that always arrive: a receiver that goes down, answers 500 and hangs still gets
 * every event, in order per call, with the same webhook-id on every retry; a restart mid-retry
 * loses nothing; two processes on one Postgres never send an attempt twice; an endpoint failing
 * for days (on an injected clock) is disabled and says so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestParley, type StartTestOptions, type Tenant, type TestParley } from '../support/parley.js';
import { createTempDatabase, postgresUrl, type TempDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type RecordedDelivery, type WebhookReceiver } from '../fakes/webhook-receiver/receiver.js';
import type { Parley } from '../../src/app.js';

/**
 * Each test here starts and stops whole Parley processes on a store of their own (about 4 s of
 * work alone) and waits up to 30 s for deliveries: at the start of a CI run, beside three other
 * test files on two cores, the default 30 s was not enough (the restart test timed out so).
 */
const PROCESS_TEST_MS = 90_000;

const answeredCallEvents = ['call.queued', 'call.ringing', 'call.answered', 'call.completed', 'call.analyzed'];
/** Twenty quick retries (~250 ms apart, ±20 %): the 24-hour schedule, compressed. */
const quickRetries = Array.from({ length: 20 }, (_, i) => (i < 2 ? 100 : 250));

const receivers: WebhookReceiver[] = [];
afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

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

/** An endpoint whose receiver holds its secret (created on a placeholder, then pointed at the receiver). */
async function endpointWithReceiver(tenant: Tenant, mode: Parameters<WebhookReceiver['setMode']>[0] = 'ok') {
  const created = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/placeholder' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const receiver = await startWebhookReceiver({ secret: created.body.secret });
  receivers.push(receiver);
  await receiver.setMode(mode);
  await tenant.request('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { url: receiver.url });
  return { id: created.body.id as string, receiver };
}

function callIdOf(delivery: RecordedDelivery): string | undefined {
  return (delivery.json as { data?: { id?: string } } | undefined)?.data?.id;
}

async function placeCalls(tenant: Tenant, agentId: string, count: number, to = '+14155550100'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ids.push(created.body.id);
  }
  return ids;
}

async function logOf(tenant: Tenant, query: string): Promise<any[]> {
  const { body } = await tenant.request('GET', `/v1/webhook-deliveries?limit=100&${query}`);
  return body.data;
}

/**
 * Checks what one receiver saw of one call: every event arrived with a 2xx exactly in event
 * order, nothing was ever sent for an event before the previous one was accepted, and every
 * attempt of an event carried that event's one webhook-id.
 */
function assertOrderedAndStable(receiver: WebhookReceiver, callId: string): { accepted: RecordedDelivery[]; attempts: RecordedDelivery[] } {
  const attempts = receiver.deliveries.filter((delivery) => callIdOf(delivery) === callId);
  for (const attempt of attempts) expect(attempt.verified, attempt.verifyFailure ?? '').toBe(true);
  const accepted = attempts.filter((delivery) => delivery.mode === 'ok');
  const firstAccepted = accepted.filter((delivery, i) => accepted.findIndex((other) => other.id === delivery.id) === i);
  expect(firstAccepted.map((delivery) => delivery.type)).toEqual(answeredCallEvents);
  const indexOf = (delivery: RecordedDelivery) => answeredCallEvents.indexOf(delivery.type!);
  const sequence = attempts.map(indexOf);
  expect([...sequence].sort((a, b) => a - b)).toEqual(sequence);
  const idByType = new Map(firstAccepted.map((delivery) => [delivery.type, delivery.id]));
  for (const attempt of attempts) expect(attempt.id).toBe(idByType.get(attempt.type));
  return { accepted: firstAccepted, attempts };
}

describe('a receiver that goes down, answers 500 and hangs', () => {
  let t: TestParley;
  afterAll(() => t?.close());

  it('still gets every event, in order per call, with the same ids on every retry; a healthy endpoint is not held up', async () => {
    t = await startParley({ env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' }, moduleOverrides: { webhooks: { retryScheduleMs: quickRetries, timeoutMs: 300 } } });
    const tenant = await t.tenant();
    const agent = await tenant.agent();
    const flaky = await endpointWithReceiver(tenant, 'down');
    const healthy = await endpointWithReceiver(tenant, 'ok');
    const calls = await placeCalls(tenant, agent.id, 3);

    // Down: connections refused; the first event of each call is retried, the rest wait behind it.
    await until('two refused attempts of each queued event', async () => {
      const rows = await logOf(tenant, `endpoint_id=${flaky.id}&event_type=call.queued`);
      return rows.length === 3 && rows.every((row) => row.attempts >= 2 && row.status === 'failed' && /Connection failed/.test(row.last_error));
    });
    await flaky.receiver.setMode('fail');
    await until('three 500s', () => flaky.receiver.deliveries.filter((delivery) => delivery.mode === 'fail').length >= 3);
    await flaky.receiver.setMode('hang');
    await until('two hung attempts timed out', async () => {
      const rows = await logOf(tenant, `endpoint_id=${flaky.id}&event_type=call.queued`);
      return flaky.receiver.deliveries.filter((delivery) => delivery.mode === 'hang').length >= 2 && rows.some((row) => /No answer within 300 ms/.test(row.last_error ?? ''));
    });

    // Meanwhile the healthy endpoint got everything: the flaky one held no worker.
    for (const callId of calls) {
      // Distinct events, not attempts: under load a 300 ms timeout retries one (same id), and call.analyzed comes from a job.
      await until(`all events of ${callId} at the healthy endpoint`, () => new Set(healthy.receiver.deliveries.filter((delivery) => callIdOf(delivery) === callId && delivery.mode === 'ok').map((delivery) => delivery.id)).size >= answeredCallEvents.length);
      assertOrderedAndStable(healthy.receiver, callId);
    }

    await flaky.receiver.setMode('ok');
    for (const callId of calls) {
      await until(`all events of ${callId} at the recovered endpoint`, () => {
        const ids = new Set(flaky.receiver.deliveries.filter((delivery) => callIdOf(delivery) === callId && delivery.mode === 'ok').map((delivery) => delivery.id));
        return ids.size >= answeredCallEvents.length;
      });
      const { attempts } = assertOrderedAndStable(flaky.receiver, callId);
      expect(attempts.some((attempt) => attempt.mode !== 'ok')).toBe(true);
    }

    const rows = await until('the log to show everything delivered', async () => {
      const all = await logOf(tenant, `endpoint_id=${flaky.id}`);
      return all.length === calls.length * answeredCallEvents.length && all.every((row) => row.status === 'delivered') ? all : undefined;
    });
    // Two refused, then 500s or hangs, then accepted; the events that waited behind went out once.
    for (const row of rows) expect(row.attempts).toBeGreaterThanOrEqual(row.event_type === 'call.queued' ? 3 : 1);
    for (const row of rows.filter((row) => row.event_type !== 'call.queued')) expect(row.attempts).toBe(1);
    const endpoint = await tenant.request('GET', `/v1/webhook-endpoints/${flaky.id}`);
    expect(endpoint.body).toMatchObject({ enabled: true, failing_since: null });
    expect(endpoint.body.last_success_at).not.toBeNull();
  }, PROCESS_TEST_MS);
});

describe('a restart mid-retry', () => {
  const dirs: string[] = [];
  let temp: TempDatabase | undefined;
  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await settle();
    await temp?.drop();
  });

  it('loses nothing: deliveries pending when the process stops go out from the next one, with the same ids', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-webhooks-restart-'));
    dirs.push(dataDir);
    if (postgresUrl) temp = await createTempDatabase();
    const store = { dataDir, ...(temp ? { databaseUrl: temp.url } : { store: 'pglite' as const }), env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' } };

    const first = await startTestParley({ ...store, moduleOverrides: { webhooks: { retryScheduleMs: [200, 400, ...Array.from({ length: 20 }, () => 800)] } } });
    let ids: string[];
    let tenant: Tenant;
    let flaky: Awaited<ReturnType<typeof endpointWithReceiver>>;
    try {
      tenant = await first.tenant();
      const agent = await tenant.agent();
      flaky = await endpointWithReceiver(tenant, 'fail');
      ids = await placeCalls(tenant, agent.id, 2);
      for (const id of ids) expect((await tenant.waitForEnd(id)).status).toBe('completed');
      await until('every event recorded and the first still failing', async () => {
        const rows = await logOf(tenant, `endpoint_id=${flaky.id}`);
        return rows.length === ids.length * answeredCallEvents.length && rows.filter((row) => row.event_type === 'call.queued').every((row) => row.status === 'failed' && row.attempts >= 2);
      });
    } finally {
      await first.close();
    }
    const seenBefore = flaky!.receiver.deliveries.length;
    expect(seenBefore).toBeGreaterThan(0);
    await flaky!.receiver.setMode('ok');

    // A new process on the same store and key; its own schedule is quick, but the pending
    // retries were scheduled by the first one: the sweep at start takes what is due.
    const second = await startTestParley({ ...store, moduleOverrides: { webhooks: { retryScheduleMs: quickRetries } } });
    try {
      const again = sameTenant(second.parley, tenant!);
      for (const callId of ids!) {
        await until(`all events of ${callId} after the restart`, () => {
          const got = new Set(flaky!.receiver.deliveries.filter((delivery) => callIdOf(delivery) === callId && delivery.mode === 'ok').map((delivery) => delivery.id));
          return got.size >= answeredCallEvents.length;
        }, 30_000);
        assertOrderedAndStable(flaky!.receiver, callId);
      }
      const rows = await until('the log to show everything delivered', async () => {
        const all = await logOf(again, `endpoint_id=${flaky!.id}`);
        return all.every((row) => row.status === 'delivered') ? all : undefined;
      });
      expect(rows).toHaveLength(ids!.length * answeredCallEvents.length);
    } finally {
      await second.close();
    }
  }, PROCESS_TEST_MS);
});

describe.skipIf(!postgresUrl)('two processes on one PostgreSQL', () => {
  it('share the deliveries and never send the same attempt twice', async () => {
    const temp = await createTempDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-webhooks-two-'));
    const options = { databaseUrl: temp.url, dataDir, env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' } };
    const a = await startTestParley(options);
    const b = await startTestParley(options);
    try {
      const tenant = await a.tenant({ maxConcurrentCalls: 50 });
      const agent = await tenant.agent();
      const endpoint = await endpointWithReceiver(tenant, 'ok');
      const calls = await placeCalls(tenant, agent.id, 12);
      for (const callId of calls) {
        await until(`events of ${callId}`, () => endpoint.receiver.deliveries.filter((delivery) => callIdOf(delivery) === callId).length >= answeredCallEvents.length, 60_000);
      }
      const ids = endpoint.receiver.deliveries.map((delivery) => delivery.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const callId of calls) assertOrderedAndStable(endpoint.receiver, callId);
      // The receiver can have the last one a moment before its outcome is recorded.
      const rows = await until('every delivery logged', async () => {
        const all = await logOf(tenant, `endpoint_id=${endpoint.id}`);
        return all.length === calls.length * answeredCallEvents.length && all.every((row) => row.status === 'delivered') ? all : undefined;
      });
      for (const row of rows) expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await settle();
      await temp.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, PROCESS_TEST_MS);
});

describe('an endpoint failing for days', () => {
  let t: TestParley;
  afterAll(() => t?.close());

  it('is disabled, says so, abandons what waited, and comes back when enabled again', async () => {
    const day = 24 * 3600_000;
    let offsetMs = 0;
    t = await startParley({
      env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' },
      moduleOverrides: { webhooks: { retryScheduleMs: [100, 60_000], now: () => new Date(Date.now() + offsetMs) } },
    });
    const tenant = await t.tenant();
    const agent = await tenant.agent();
    const flaky = await endpointWithReceiver(tenant, 'fail');
    const [firstCall] = await placeCalls(tenant, agent.id, 1, '+14155550101');

    const failing = await until('the endpoint to be marked failing', async () => {
      const { body } = await tenant.request('GET', `/v1/webhook-endpoints/${flaky.id}`);
      return body.failing_since ? body : undefined;
    });
    expect(failing.enabled).toBe(true);
    const failingSince = Date.parse(failing.failing_since);

    // Four days on, still failing: not yet.
    offsetMs = 4 * day;
    const [secondCall] = await placeCalls(tenant, agent.id, 1, '+14155550101');
    await until('a failure four days on', async () => (await logOf(tenant, `call_id=${secondCall}&endpoint_id=${flaky.id}`)).some((row) => row.attempts >= 1 && row.status !== 'pending'));
    expect((await tenant.request('GET', `/v1/webhook-endpoints/${flaky.id}`)).body.enabled).toBe(true);

    // Five days and a minute after the first failure: the next failure disables it.
    offsetMs = 5 * day + 60_000;
    const [thirdCall] = await placeCalls(tenant, agent.id, 1, '+14155550101');
    const disabled = await until('the endpoint to be disabled', async () => {
      const { body } = await tenant.request('GET', `/v1/webhook-endpoints/${flaky.id}`);
      return body.enabled === false ? body : undefined;
    });
    expect(disabled.disabled_reason).toContain('Disabled automatically');
    expect(disabled.disabled_reason).toContain(new Date(failingSince).toISOString());
    await until('nothing left waiting for it', async () => (await logOf(tenant, `endpoint_id=${flaky.id}&status=pending,failed,delivering`)).length === 0);
    const abandoned = await logOf(tenant, `endpoint_id=${flaky.id}&status=abandoned`);
    expect(abandoned.length).toBeGreaterThan(0);
    for (const row of abandoned) expect(row.last_error).toMatch(/disabled|Receiver answered 500/);

    // Disabled: new events skip it. Replay is refused until it is enabled again.
    const [quietCall] = await placeCalls(tenant, agent.id, 1, '+14155550101');
    await tenant.waitForEnd(quietCall!);
    expect(await logOf(tenant, `call_id=${quietCall}&endpoint_id=${flaky.id}`)).toHaveLength(0);
    const refused = await tenant.request('POST', `/v1/webhook-deliveries/${abandoned[0].id}/replay`);
    expect(refused.body.error.code).toBe('WEBHOOK_ENDPOINT_DISABLED');

    await flaky.receiver.setMode('ok');
    const enabled = await tenant.request('PATCH', `/v1/webhook-endpoints/${flaky.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    const [laterCall] = await placeCalls(tenant, agent.id, 1, '+14155550101');
    await until('the next call to be delivered', async () => (await logOf(tenant, `call_id=${laterCall}&endpoint_id=${flaky.id}`)).some((row) => row.status === 'delivered'));
    // Replaying the first abandoned queued event delivers it, with its original id.
    const firstQueued = (await logOf(tenant, `call_id=${firstCall}&endpoint_id=${flaky.id}&event_type=call.queued`))[0];
    expect((await tenant.request('POST', `/v1/webhook-deliveries/${firstQueued.id}/replay`)).status).toBe(202);
    await until('the replayed event', () => flaky.receiver.deliveries.some((delivery) => delivery.id === firstQueued.id && delivery.mode === 'ok'));
    expect(thirdCall).toBeDefined();
  }, PROCESS_TEST_MS);
});

/** See startParley: lets a closed pool's sockets finish closing before their database is dropped. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 300));
}

/** The same organisation and key, seen through another running process. */
function sameTenant(parley: Parley, original: Tenant): Tenant {
  const request: Tenant['request'] = async (method, path, body, headers = {}) => {
    const response = await fetch(`${parley.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${original.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  return { ...original, request };
}

