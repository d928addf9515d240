/** Queued calls survive a restart and are dialled exactly once; the concurrency limit queues, never fails. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestParley, createTenant, type Tenant } from '../support/parley.js';
import { createTempDatabase, postgresUrl, type TempDatabase } from '../support/postgres.js';

const terminal = ['completed', 'busy', 'no_answer', 'failed', 'canceled', 'voicemail'];

async function dialEvents(tenant: Tenant, callId: string): Promise<{ type: string; data: Record<string, unknown>; created_at: string }[]> {
  const { body } = await tenant.request('GET', `/v1/calls/${callId}/events`);
  return body.data;
}

async function placeCalls(tenant: Tenant, agentId: string, count: number, to = '+14155550100'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to });
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  }
  return ids;
}

describe('restart', () => {
  const dirs: string[] = [];
  let temp: TempDatabase | undefined;
  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await temp?.drop();
  });

  it('dials calls queued before a restart exactly once, after it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-restart-'));
    dirs.push(dataDir);
    if (postgresUrl) temp = await createTempDatabase();
    const store = { dataDir, ...(temp ? { databaseUrl: temp.url } : { store: 'pglite' as const }) };

    const first = await startTestParley({ ...store, env: { PARLEY_WORKER: 'off' } });
    const tenant = await first.tenant();
    const agent = await tenant.agent();
    const ids = await placeCalls(tenant, agent.id, 5);
    const scheduled = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550106', scheduled_for: new Date(Date.now() + 2_000).toISOString() });
    ids.push(scheduled.body.id);
    for (const id of ids) expect((await tenant.request('GET', `/v1/calls/${id}`)).body.status).toBe('queued');
    await first.close();

    const second = await startTestParley(store);
    try {
      const again = await createTenantFor(second.parley, tenant);
      for (const id of ids) {
        const ended = await again.waitForEnd(id);
        expect(ended.status).toBe('completed');
        const dialed = (await dialEvents(again, id)).filter((event) => event.type === 'call.dialing');
        expect(dialed).toHaveLength(1);
      }
      const scheduledEvents = await dialEvents(again, scheduled.body.id);
      const dialedAt = new Date(scheduledEvents.find((event) => event.type === 'call.dialing')!.created_at).getTime();
      expect(dialedAt).toBeGreaterThanOrEqual(new Date(scheduled.body.scheduled_for).getTime() - 50);
    } finally {
      await second.close();
    }
    // Two starts of the embedded store: seconds each, more while other test files load both cores.
    // A call that is never dialled still fails fast, in waitForEnd.
  }, 90_000);
});

/** The same organisation and key, seen through another running process. */
async function createTenantFor(parley: import('../../src/app.js').Parley, original: Tenant): Promise<Tenant> {
  const tenant = await createTenant(parley);
  return {
    ...tenant,
    orgId: original.orgId,
    key: original.key,
    request: async (method, path, body, headers = {}) => {
      const response = await fetch(`${parley.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${original.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    waitForEnd: async (callId, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await fetch(`${parley.url}/v1/calls/${callId}`, { headers: { authorization: `Bearer ${original.key}` } });
        const call = await response.json();
        if (terminal.includes(call.status)) return call;
        if (Date.now() > deadline) throw new Error(`call ${callId} still ${call.status}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

describe('per-organisation concurrency', () => {
  it('never runs more than the limit at once; the rest wait queued and all complete', async () => {
    const t = await startTestParley();
    try {
      const tenant = await t.tenant({ maxConcurrentCalls: 2 });
      const agent = await tenant.agent();
      await tenant.request('POST', '/v1/sim/personas', { number: '+14155550109', replies: ['Sure, go on, I am listening to you right now.'], words_per_minute: 120 });
      const ids = await placeCalls(tenant, agent.id, 6, '+14155550109');
      const intervals: [number, number][] = [];
      for (const id of ids) {
        const ended = await tenant.waitForEnd(id, 60_000);
        expect(ended.status).toBe('completed');
        const events = await dialEvents(tenant, id);
        const start = new Date(events.find((event) => event.type === 'call.dialing')!.created_at).getTime();
        const end = new Date(events.find((event) => event.type === 'call.completed')!.created_at).getTime();
        intervals.push([start, end]);
      }
      const maxOverlap = Math.max(...intervals.map(([start]) => intervals.filter(([s, e]) => s <= start && start < e).length));
      expect(maxOverlap).toBeLessThanOrEqual(2);
      expect(maxOverlap).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(!postgresUrl)('processes on one PostgreSQL', () => {
  it('race for the same calls and never dial one twice; calls stored by an API-only process are dialled by a worker', async () => {
    const temp = await createTempDatabase();
    const a = await startTestParley({ databaseUrl: temp.url });
    const b = await startTestParley({ databaseUrl: temp.url });
    const api = await startTestParley({ databaseUrl: temp.url, env: { PARLEY_WORKER: 'off' } });
    try {
      const tenant = await a.tenant({ maxConcurrentCalls: 100 });
      const viaB = await createTenantFor(b.parley, tenant);
      const viaApi = await createTenantFor(api.parley, tenant);
      const agent = await tenant.agent();
      // Calls arrive at all three at once, as behind a load balancer. Which worker claims a call is
      // a race (a pull scheduler takes whatever is due), so only exactly-once is asserted, not a split.
      const ids = (
        await Promise.all([placeCalls(tenant, agent.id, 15), placeCalls(viaB, agent.id, 15), placeCalls(viaApi, agent.id, 15)])
      ).flat();
      const workers = new Set<string>();
      for (const id of ids) {
        const ended = await tenant.waitForEnd(id, 60_000);
        expect(ended.status).toBe('completed');
        const dialed = (await dialEvents(tenant, id)).filter((event) => event.type === 'call.dialing');
        expect(dialed).toHaveLength(1);
        workers.add(String(dialed[0]!.data.worker));
      }
      expect(workers.size).toBeGreaterThanOrEqual(1);
      expect(workers.size).toBeLessThanOrEqual(2);
      expect(api.parley.scheduler.stats.claimed).toBe(0);
      expect(a.parley.scheduler.stats.claimed + b.parley.scheduler.stats.claimed).toBe(ids.length);
    } finally {
      await Promise.all([a.close(), b.close(), api.close()]);
      await temp.drop();
    }
  });
});
