/**
 * The server as an operator runs it: `npm start` holds its data folder (the CLI is refused
 * beside it and told what to do), stops within a bounded time on SIGTERM (port freed, lock
 * released, live calls failed `worker_lost`, queued calls still queued), and a crashed server's
 * lock does not block the next process.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { calls } from '../../src/store/schema.js';

const run = promisify(execFile);
const adminKey = 'pk_process_test_admin_key_0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'parley-process-'));
const baseEnv = { ...process.env, PARLEY_DATA_DIR: dataDir, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', PARLEY_INIT_API_KEY: adminKey, LOG_LEVEL: 'warn', PARLEY_SIM_SPEED: '1' };
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the server with `command` and resolves with its URL once it listens. */
async function startServer(command: string, args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(command, args, { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return { child, url, output: () => output };
}

function cli(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...baseEnv, PARLEY_API_KEY: '', ...env }, timeout: 60_000 });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function portRefuses(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

// The embedded store's lock is what this is about, so it always runs on PGlite: once per CI run
// (the PostgreSQL pass skips it; the signal handling does not depend on the store).
describe.skipIf(Boolean(process.env.DATABASE_URL))('npm start, the CLI beside it, and SIGTERM', () => {
  it('refuses the CLI beside a running server, stops on SIGTERM within the bound, and leaves queued calls queued', async () => {
    const server = await startServer('npm', ['start', '--silent']);
    // The CLI finds the store held: it writes nothing and says how to go on.
    const refused = await cli(['keys', 'create', '--name', 'ops']).then(() => null, (error: { code: number; stderr: string }) => error);
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain(`The data folder ${dataDir} is in use by process`);
    expect(refused?.stderr).toContain('PARLEY_API_KEY=<admin key> npm run parley -- keys create');
    expect(refused?.stderr).toContain('stop the server');
    // The route it offers works.
    const { stdout } = await cli(['--url', server.url, 'keys', 'create', '--name', 'ops'], { PARLEY_API_KEY: adminKey });
    expect(JSON.parse(stdout).key).toMatch(/^pk_/);

    const agent = await api(server.url, 'POST', '/v1/agents', { name: 'Confirm', kind: 'flow', template: 'appointment_confirmation', greeting: null });
    await api(server.url, 'POST', '/v1/phone-numbers', { number: '+14155552671', carrier: 'sim', agent_id: agent.body.id });
    const variables = { customer_name: 'Ana', appointment_date: 'Friday' };
    const later = await api(server.url, 'POST', '/v1/calls', { agent_id: agent.body.id, to: '+14155550100', variables, scheduled_for: new Date(Date.now() + 3_600_000).toISOString() });
    const live = await api(server.url, 'POST', '/v1/calls', { agent_id: agent.body.id, to: '+14155550100', variables });
    for (let i = 0; i < 200; i++) {
      if ((await api(server.url, 'GET', `/v1/calls/${live.body.id}`)).body.status === 'in_progress') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const { code } = await exited(server.child);
    const tookMs = Date.now() - signalledAt;
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(20_000);
    expect(await portRefuses(server.url)).toBe(true);
    expect(existsSync(join(dataDir, 'parley.lock'))).toBe(false);

    const database = await openDatabase({ dataDir, role: 'cli' });
    try {
      const [liveRow] = await database.db.select().from(calls).where(eq(calls.id, live.body.id));
      const [laterRow] = await database.db.select().from(calls).where(eq(calls.id, later.body.id));
      expect(liveRow).toMatchObject({ status: 'failed', endReason: 'worker_lost' });
      expect(laterRow).toMatchObject({ status: 'queued' });
    } finally {
      await database.close();
    }
  }, 120_000);

  it('does not let a crashed server\'s lock block the next process', async () => {
    const server = await startServer(process.execPath, ['--import', 'tsx', 'src/main.ts']);
    server.child.kill('SIGKILL');
    await exited(server.child);
    expect(existsSync(join(dataDir, 'parley.lock'))).toBe(true);
    const { stdout } = await cli(['keys', 'create', '--name', 'after-crash']);
    expect(JSON.parse(stdout).key).toMatch(/^pk_/);
    expect(existsSync(join(dataDir, 'parley.lock'))).toBe(false);
  }, 120_000);

  it('refuses a second server on the same data folder, naming the first', async () => {
    const first = await startServer(process.execPath, ['--import', 'tsx', 'src/main.ts']);
    const second = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(second);
    let stderr = '';
    second.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect((await exited(second)).code).toBe(1);
    expect(stderr).toContain(`in use by process ${first.child.pid}`);
    first.child.kill('SIGINT');
    expect((await exited(first.child)).code).toBe(0);
  }, 120_000);
});
