/**
 * Recording URLs and retention: with PARLEY_PUBLIC_URL set, `recording_url` is absolute on it;
 * PARLEY_RECORDING_RETENTION_DAYS deletes the recordings (file and link) of calls that ended
 * longer ago, and keeps the others.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls } from '../../src/store/schema.js';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';

let t: TestParley;
let tenant: Tenant;
const folder = mkdtempSync(join(tmpdir(), 'parley-retention-'));

beforeAll(async () => {
  t = await startTestParley({
    env: {
      PARLEY_SIM_AUDIO: '1', PARLEY_SIM_SPEED: '10', PARLEY_RECORDINGS_DIR: folder,
      PARLEY_RECORDING_RETENTION_DAYS: '2', PARLEY_PUBLIC_URL: 'https://parley.example.com/',
    },
  });
  tenant = await t.tenant();
});
afterAll(async () => {
  await t?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function recordedCall(agentId: string): Promise<{ id: string; recording_url: string }> {
  const created = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550100' });
  const ended = await tenant.waitForEnd(created.body.id, 30_000);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const call = (await tenant.request('GET', `/v1/calls/${ended.id}`)).body;
    if (call.recording_url) return call;
    if (Date.now() > deadline) throw new Error('no recording');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const wavFiles = () => readdirSync(folder, { recursive: true }).map(String).filter((name) => name.endsWith('.wav'));

describe('recording URLs and retention', () => {
  it('gives an absolute recording_url on the public base URL, and sweeps only recordings past retention', async () => {
    const agent = await tenant.agent({ greeting: 'Hello, this is Parley.', recording: { enabled: true } });
    const old = await recordedCall(agent.id);
    const recent = await recordedCall(agent.id);
    expect(old.recording_url).toBe(`https://parley.example.com/v1/calls/${old.id}/recording`);
    expect(wavFiles()).toHaveLength(2);

    // The first call ended three days ago, past the two days kept.
    const { db } = t.parley.database;
    await db.update(calls).set({ endedAt: new Date(Date.now() - 3 * 86_400_000) }).where(eq(calls.id, old.id));
    expect(await t.parley.services.recordings.sweep()).toBe(1);

    const swept = (await tenant.request('GET', `/v1/calls/${old.id}`)).body;
    expect(swept.recording_url).toBeNull();
    expect(swept.recording).toMatchObject({ status: 'deleted' });
    expect((await tenant.request('GET', `/v1/calls/${old.id}/recording`)).status).toBe(404);
    const kept = (await tenant.request('GET', `/v1/calls/${recent.id}`)).body;
    expect(kept.recording_url).toBe(`https://parley.example.com/v1/calls/${recent.id}/recording`);
    expect(wavFiles()).toEqual([expect.stringContaining(`${recent.id}.wav`)]);
    // A second sweep finds nothing more to delete.
    expect(await t.parley.services.recordings.sweep()).toBe(0);
  });
});
