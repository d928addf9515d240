/**
 * Starts a real Parley for a test file (PGlite in memory, or a fresh Postgres database when
 * DATABASE_URL is set) listening on a free port, and makes isolated tenants in it.
 */
import { loadConfig, type Config } from '../../src/config/config.js';
import { startParley, type Parley, type StartOptions } from '../../src/app.js';
import { createLogger } from '../../src/shared/logger.js';
import { createOrganization } from '../../src/orgs/organizations.js';
import { updateOrgSettings } from '../../src/orgs/org-settings.js';
import { createTempDatabase, postgresUrl, type TempDatabase } from './postgres.js';
import { FAKE_OPENAI_KEY, startFakeOpenAi, type FakeLlmServer, type FakeLlmScript } from '../fakes/openai/server.js';

/** What the fake model says unless a test scripts it: a short goodbye, then it ends the call. */
export const goodbyeScript: FakeLlmScript = {
  text: ['Thank you', ', goodbye!'],
  toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":', '"conversation finished"}'] }],
};

export interface TestParley {
  readonly parley: Parley;
  readonly url: string;
  readonly config: Config;
  readonly store: 'pglite' | 'postgres';
  /** The fake OpenAI-compatible server the server-wide model points at (absent with llm: 'none'). */
  readonly llm: FakeLlmServer | undefined;
  /**
   * A new organisation with an admin key. Its default calling window is off unless
   * `callingWindow` is set: a test on a real carrier must not pass or fail by the time of day.
   */
  tenant(options?: TenantOptions): Promise<Tenant>;
  close(): Promise<void>;
}

export interface StartTestOptions extends StartOptions {
  readonly env?: Record<string, string>;
  /** Force a store; by default Postgres when DATABASE_URL is set, else PGlite in memory. */
  readonly store?: 'pglite' | 'postgres';
  /** Reuse a database (restart tests). */
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  /** 'fake-openai' (default): a local fake OpenAI-compatible server is the server-wide model. */
  readonly llm?: 'fake-openai' | 'none';
}

export async function startTestParley(options: StartTestOptions = {}): Promise<TestParley> {
  const store = options.store ?? (options.databaseUrl || postgresUrl ? 'postgres' : 'pglite');
  let temp: TempDatabase | undefined;
  let databaseUrl = options.databaseUrl;
  if (store === 'postgres' && !databaseUrl) {
    temp = await createTempDatabase();
    databaseUrl = temp.url;
  }
  const llm = options.llm === 'none' ? undefined : await startFakeOpenAi({ apiKey: FAKE_OPENAI_KEY, handler: () => goodbyeScript });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    PARLEY_DATA_DIR: options.dataDir ?? 'memory://',
    PARLEY_SIM_SPEED: '40',
    LOG_LEVEL: 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(llm ? { OPENAI_BASE_URL: llm.baseUrl, OPENAI_API_KEY: FAKE_OPENAI_KEY, PARLEY_LLM_MODEL: 'gpt-fake' } : {}),
    ...options.env,
  });
  const parley = await startParley(config, { logger: createLogger({ level: 'silent' }), ...options });
  return {
    parley,
    url: parley.url,
    config,
    store,
    llm,
    tenant: (tenantOptions) => createTenant(parley, tenantOptions),
    async close() {
      await parley.close();
      await llm?.close();
      await temp?.drop();
    },
  };
}

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface Tenant {
  readonly orgId: string;
  readonly key: string;
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** An agent with a number on the simulated network. */
  agent(input?: Record<string, unknown>): Promise<{ id: string; number: string }>;
  /** Polls a call until it is terminal (or the timeout passes) and returns it. */
  waitForEnd(callId: string, timeoutMs?: number): Promise<any>;
  /** Polls an answered call until its after-call analysis (and `call.analyzed`) is stored, and returns it. */
  waitForAnalysis(callId: string, timeoutMs?: number): Promise<any>;
}

let numberSeq = 0;

/** A distinct valid caller number per agent: +1 415 555 01xx style, all in San Francisco. */
function nextCallerNumber(): string {
  numberSeq += 1;
  return `+1415${String(2000000 + ((process.pid * 97 + numberSeq * 7919 + Math.floor(Math.random() * 1e6)) % 7999999)).padStart(7, '0')}`;
}

export interface TenantOptions {
  readonly maxConcurrentCalls?: number;
  /** Keep the default calling window (08:00-21:00 in the callee's time) on, as a new organisation has it. */
  readonly callingWindow?: boolean;
}

export async function createTenant(parley: Parley, options: TenantOptions = {}): Promise<Tenant> {
  const orgId = await createOrganization(parley.database.db, `test-${Date.now()}`, options.maxConcurrentCalls);
  if (!options.callingWindow) await updateOrgSettings(parley.database.db, orgId, { default_calling_window: { enabled: false } });
  const { key } = await parley.services.keys.create(orgId, 'test', ['admin']);
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${parley.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  const pollCall = async (callId: string, timeoutMs: number, done: (body: any) => boolean, what: string) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await request('GET', `/v1/calls/${callId}`);
      if (done(body)) return body;
      if (Date.now() > deadline) throw new Error(`call ${callId} not ${what} after ${timeoutMs} ms (status ${body.status})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return {
    orgId,
    key,
    request,
    async agent(input = {}) {
      const created = await request('POST', '/v1/agents', { name: 'Test agent', prompt: 'You are helpful.', greeting: 'Hello from Parley.', ...input });
      if (created.status !== 201) throw new Error(`agent creation failed: ${JSON.stringify(created.body)}`);
      for (let attempt = 0; attempt < 5; attempt++) {
        const number = nextCallerNumber();
        const added = await request('POST', '/v1/phone-numbers', { number, carrier: 'sim', agent_id: created.body.id });
        if (added.status === 201) return { id: created.body.id as string, number: added.body.number as string };
      }
      throw new Error('could not add a phone number');
    },
    waitForEnd: (callId, timeoutMs = 20_000) =>
      pollCall(callId, timeoutMs, (body) => ['completed', 'busy', 'no_answer', 'failed', 'canceled', 'voicemail'].includes(body.status), 'terminal'),
    // The analysis runs after the terminal status is stored, so a terminal call may not have it yet.
    waitForAnalysis: (callId, timeoutMs = 20_000) =>
      pollCall(callId, timeoutMs, (body) => typeof body.analysis?.analyzed_at === 'string', 'analysed'),
  };
}
