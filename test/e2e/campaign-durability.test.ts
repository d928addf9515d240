/**
 * A campaign survives its processes: stopped mid-list and started again, and (on PostgreSQL) with
 * one of two processes killed with SIGKILL, every contact still ends, no call is dialled twice,
 * and each contact's attempts are numbered without a gap or a repeat.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTenant, startTestParley, type Tenant } from '../support/parley.js';
import { createTempDatabase, postgresUrl } from '../support/postgres.js';
import type { Parley } from '../../src/app.js';

const encryptionKey = 'a'.repeat(64);

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The same organisation and key, through another process's API. */
async function sameTenant(parley: Parley, original: Tenant): Promise<Tenant> {
  const other = await createTenant(parley);
  return {
    ...other,
    orgId: original.orgId,
    key: original.key,
    request: async (method, path, body) => {
      const response = await fetch(`${parley.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${original.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
  };
}

async function startCampaign(tenant: Tenant, contacts: number, startWith: (path: string) => Promise<unknown> = (path) => tenant.request('POST', path)): Promise<string> {
  const agent = await tenant.agent({ name: 'Flow', kind: 'flow', template: 'appointment_confirmation' });
  const created = await tenant.request('POST', '/v1/campaigns', {
    name: 'Durable', agent_id: agent.id, variables: { customer_name: 'Ana', appointment_date: 'Tuesday' },
    retry: { failed: { max_attempts: 3, delay_s: 0 } },
  });
  const phones = Array.from({ length: contacts }, (_, i) => ({ phone: `+1415${String(3_000_000 + i * 10).padStart(7, '0')}` }));
  expect((await tenant.request('POST', `/v1/campaigns/${created.body.id}/contacts`, { contacts: phones })).body.imported).toBe(contacts);
  await startWith(`/v1/campaigns/${created.body.id}/start`);
  return created.body.id;
}

/** Every contact ended; every call was dialled once; attempts run 1..n; a lost call was retried. */
async function expectNothingLostOrRepeated(tenant: Tenant, campaignId: string, contacts: number): Promise<void> {
  const campaign = await until('the campaign to complete', async () => {
    const got = await tenant.request('GET', `/v1/campaigns/${campaignId}`);
    return got.body.status === 'completed' ? got.body : undefined;
  }, 180_000);
  expect(campaign.progress.done).toEqual({ completed: contacts });
  const listed = (await tenant.request('GET', `/v1/campaigns/${campaignId}/contacts?limit=100`)).body.data;
  expect(listed).toHaveLength(contacts);
  for (const contact of listed) {
    expect(contact.calls.map((call: any) => call.attempt)).toEqual(Array.from({ length: contact.attempts }, (_, i) => i + 1));
    expect(contact.calls.at(-1).status).toBe('completed');
    for (const call of contact.calls.slice(0, -1)) expect(call).toMatchObject({ status: 'failed', end_reason: 'worker_lost' });
    for (const call of contact.calls) {
      const events = (await tenant.request('GET', `/v1/calls/${call.call_id}/events`)).body.data;
      expect(events.filter((event: any) => event.type === 'call.dialing')).toHaveLength(1);
    }
  }
}

describe('a campaign across a restart', () => {
  it('loses and repeats nothing when its process stops mid-list and starts again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-campaign-restart-'));
    const temp = postgresUrl ? await createTempDatabase() : undefined;
    const store = { dataDir, env: { PARLEY_SIM_SPEED: '10', PARLEY_ENCRYPTION_KEY: encryptionKey }, ...(temp ? { databaseUrl: temp.url } : { store: 'pglite' as const }) };
    try {
      const first = await startTestParley(store);
      const tenant = await first.tenant({ maxConcurrentCalls: 4 });
      const id = await startCampaign(tenant, 12);
      await until('a few calls done', async () => ((await tenant.request('GET', `/v1/campaigns/${id}`)).body.progress.done.completed ?? 0) >= 3);
      await first.close();
      const second = await startTestParley(store);
      try {
        await expectNothingLostOrRepeated(await sameTenant(second.parley, tenant), id, 12);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await temp?.drop();
    }
  }, 240_000);
});

describe.skipIf(!postgresUrl)('two processes on one PostgreSQL, one killed', () => {
  it('loses and repeats nothing when one process is killed with SIGKILL mid-campaign', async () => {
    const temp = await createTempDatabase();
    const env = { PARLEY_SIM_SPEED: '10', PARLEY_ENCRYPTION_KEY: encryptionKey };
    const a = await startTestParley({ databaseUrl: temp.url, env });
    const child = fork(fileURLToPath(new URL('../support/parley-child.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DATABASE_URL: temp.url, ...env },
      stdio: 'ignore',
    });
    try {
      const { url } = await new Promise<{ url: string }>((resolve, reject) => {
        child.once('message', (message) => resolve(message as { url: string }));
        child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
      });
      const tenant = await a.tenant({ maxConcurrentCalls: 10 });
      // Started through the child: it hears of the campaign first and takes the first calls.
      const id = await startCampaign(tenant, 30, (path) => fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}` } }));
      // Wait until the child holds live calls of the campaign, then kill it without warning.
      await until('the child to hold live calls', async () => {
        const rows = await a.parley.database.sql.executeSql(`select count(*)::int as n from calls where campaign_id = $1 and status in ('dialing','ringing','in_progress') and lease_owner like $2`, [id, `%-${child.pid}-%`]);
        return (rows.rows[0] as { n: number }).n > 0;
      }, 60_000);
      child.kill('SIGKILL');
      await expectNothingLostOrRepeated(tenant, id, 30);
      const lost = await a.parley.database.sql.executeSql(`select count(*)::int as n from calls where campaign_id = $1 and end_reason = 'worker_lost'`, [id]);
      expect((lost.rows[0] as { n: number }).n).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
      await a.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await temp.drop();
    }
  }, 240_000);
});
