/** The command line, run as a user would: `npm run parley -- …` (here: tsx src/cli/main.ts). */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type TestParley, type Tenant } from '../support/parley.js';

const run = promisify(execFile);
const cli = ['--import', 'tsx', 'src/cli/main.ts'];

async function parley(args: string[], env: Record<string, string>): Promise<any> {
  const { stdout } = await run(process.execPath, [...cli, ...args], { env: { ...process.env, ...env }, timeout: 30_000 });
  return JSON.parse(stdout);
}

describe('keys on the store directly (no server, no key)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { PARLEY_DATA_DIR: dataDir, DATABASE_URL: '', PARLEY_API_KEY: '' };

  it('creates a key shown once, lists it by prefix only, and revokes it', async () => {
    const created = await parley(['keys', 'create', '--name', 'ops', '--scopes', 'calls:read,calls:write'], env);
    expect(created.key).toMatch(/^pk_/);
    expect(created.scopes).toEqual(['calls:read', 'calls:write']);
    const listed = await parley(['keys', 'list'], env);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(listed.map((key: { prefix: string }) => key.prefix)).toContain(created.prefix);
    const revoked = await parley(['keys', 'revoke', created.id], env);
    expect(revoked.revoked_at).not.toBeNull();
  }, 120_000);

  it('refuses an unknown scope, naming the valid ones', async () => {
    await expect(run(process.execPath, [...cli, 'keys', 'create', '--name', 'x', '--scopes', 'everything'], { env: { ...process.env, ...env } })).rejects.toMatchObject({
      stderr: expect.stringContaining('calls:read'),
    });
  });
});

describe('against a running server', () => {
  let t: TestParley;
  let tenant: Tenant;
  let env: Record<string, string>;
  beforeAll(async () => {
    t = await startTestParley({ llm: 'none' });
    tenant = await t.tenant();
    env = { PARLEY_URL: t.url, PARLEY_API_KEY: tenant.key };
  });
  afterAll(() => t?.close());

  it('places a call and waits for it to end', async () => {
    const agent = await tenant.agent({ kind: 'flow', template: 'appointment_confirmation', greeting: null });
    const call = await parley(['calls', 'create', '--agent', agent.id, '--to', '+14155550100', '--var', 'customer_name=Ana', '--var', 'appointment_date=Friday', '--wait'], env);
    expect(call.status).toBe('completed');
    expect(call.transcript[0].text).toContain('Friday');
  });

  it('chats with an agent in the terminal', async () => {
    const agent = await tenant.agent({ kind: 'flow', template: 'appointment_confirmation', greeting: null });
    const child = spawn(process.execPath, [...cli, 'chat', agent.id, '--var', 'customer_name=Ana', '--var', 'appointment_date=Friday'], { env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
      if (output.includes('agent> ') && !output.includes('you said yes')) {
        output += 'you said yes';
        child.stdin.write('Yes, that works for me.\n');
      }
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(output).toContain('agent> ');
    expect(output).toContain('[collected confirmed = true]');
    expect(output).toContain('the agent ended the conversation');
  });
});
