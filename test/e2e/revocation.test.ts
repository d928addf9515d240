/**
 * A key revoked in one process is refused by another process on the same PostgreSQL within a
 * second (LISTEN/NOTIFY drops it from that process's key cache). Needs DATABASE_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley, type Tenant } from '../support/parley.js';
import { createTempDatabase, postgresUrl, type TempDatabase } from '../support/postgres.js';

describe.skipIf(!postgresUrl)('revocation across processes on PostgreSQL', () => {
  let temp: TempDatabase;
  let a: TestParley;
  let tenant: Tenant;
  let b: ChildProcess;
  let bUrl: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-revoke-'));

  beforeAll(async () => {
    temp = await createTempDatabase();
    a = await startTestParley({ databaseUrl: temp.url, dataDir, llm: 'none', env: { PARLEY_WORKER: 'off' } });
    tenant = await a.tenant();
    b = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, DATABASE_URL: temp.url, PARLEY_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', PARLEY_WORKER: 'off' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    bUrl = await new Promise<string>((resolve, reject) => {
      let output = '';
      b.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      b.once('exit', (code) => reject(new Error(`second process exited with ${code}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (b && b.exitCode === null) {
      const exited = new Promise((resolve) => b.once('exit', resolve));
      b.kill('SIGTERM');
      await exited;
    }
    await a?.close();
    await temp?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const agentsOnB = (key: string) => fetch(`${bUrl}/v1/agents`, { headers: { authorization: `Bearer ${key}` } }).then((response) => response.status);

  it('refuses a key revoked by another process within a second', async () => {
    const created = await tenant.request('POST', '/v1/api-keys', { name: 'short-lived', scopes: ['agents:read'] });
    expect(created.status).toBe(201);
    // Twice: the second answer comes from the second process's key cache.
    expect(await agentsOnB(created.body.key)).toBe(200);
    expect(await agentsOnB(created.body.key)).toBe(200);

    const revoked = await tenant.request('DELETE', `/v1/api-keys/${created.body.id}`);
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 3_000) {
      status = await agentsOnB(created.body.key);
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    expect(await agentsOnB(created.body.key)).toBe(401);
  });

  it('still accepts the keys that were not revoked', async () => {
    expect(await agentsOnB(tenant.key)).toBe(200);
  });
});
