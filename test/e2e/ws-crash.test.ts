/**
 * No client can take the process down: Parley runs as `npm start` runs it (src/main.ts in its
 * own process), each WebSocket route (native chat, Voicing's chatbot, Twilio's media stream) gets
 * a series of bad clients, and after each one the process is alive, healthy and still chatting,
 * and its log holds no unhandled rejection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { computeTwilioSignature } from '../../src/telephony/twilio/signature.js';
import { unhandledRejectionMessage } from '../../src/shared/process-guard.js';

const key = 'pk_crash_test_key_0123456789abcdef';
const twilioToken = 'twilio-crash-test-token';
const publicUrl = 'https://parley.example.com';
const appointment = { customer_name: 'Ana', appointment_date: 'Friday' };

let child: ChildProcess;
let base = '';
let output = '';
let agentId = '';
const dataDir = mkdtempSync(join(tmpdir(), 'parley-crash-'));

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      PORT: '0', HOST: '127.0.0.1', PARLEY_DATA_DIR: dataDir, DATABASE_URL: '', PARLEY_INIT_API_KEY: key, LOG_LEVEL: 'warn',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: twilioToken, PARLEY_PUBLIC_URL: publicUrl,
      TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
      OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', PARLEY_LLM_MODEL: '',
    },
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  base = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`parley exited: ${output}`));
      }
    }, 50);
  });
  const created = await api('POST', '/v1/agents', { name: 'Crash test', kind: 'flow', template: 'appointment_confirmation' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  agentId = created.body.id;
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

interface Outcome {
  /** The HTTP status when the upgrade was refused. */
  readonly refused?: number;
  readonly messages: any[];
  readonly closeCode?: number;
}

/**
 * Opens a socket, runs `act` on it once open, and collects what the server says until it closes
 * (or `waitMs` passes, after which the client leaves).
 */
function client(path: string, headers: Record<string, string>, act: (socket: WebSocket) => void, waitMs = 1500): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}${path}`, { headers });
    const messages: any[] = [];
    let timer: NodeJS.Timeout | undefined;
    socket.on('unexpected-response', (_request, response) => {
      resolve({ refused: response.statusCode ?? 0, messages });
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      act(socket);
      timer = setTimeout(() => socket.terminate(), waitMs);
    });
    socket.on('message', (data) => {
      try {
        messages.push(JSON.parse(String(data)));
      } catch {
        messages.push(String(data));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      clearTimeout(timer);
      resolve({ messages, closeCode: code });
    });
  });
}

/** The process is alive, healthy, answers the API and still holds a real chat. */
async function expectAlive(): Promise<void> {
  expect(child.exitCode, output).toBeNull();
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  const chat = await client(
    `/v1/agents/${agentId}/chat?variables=${encodeURIComponent(JSON.stringify(appointment))}`,
    { authorization: `Bearer ${key}` },
    () => undefined,
    400,
  );
  expect(chat.messages.some((message) => message.type === 'agent_message' && String(message.text).includes('Friday')), JSON.stringify(chat)).toBe(true);
}

const invalidUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
const deepJson = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;

describe('GET /v1/agents/{id}/chat', () => {
  const auth = { authorization: `Bearer ${key}` };
  const chatPath = (id: string, query = '') => `/v1/agents/${id}/chat${query}`;

  it('survives an unknown agent with a message sent at once (the process used to exit)', async () => {
    const outcome = await client(chatPath('agent_unknown'), auth, (socket) => socket.send(JSON.stringify({ type: 'message', text: 'hi' })));
    expect(outcome.messages[0]).toMatchObject({ type: 'error', code: 'AGENT_NOT_FOUND' });
    expect(outcome.closeCode).toBe(1008);
    await expectAlive();
  });

  it('survives a burst of messages to an unknown agent', async () => {
    await client(chatPath('agent_unknown'), auth, (socket) => {
      for (let i = 0; i < 20; i++) socket.send(JSON.stringify({ type: 'message', text: `hi ${i}` }));
    });
    await expectAlive();
  });

  it('refuses bad ids before the upgrade', async () => {
    expect((await client(chatPath('%00'), auth, () => undefined)).refused).toBe(400);
    expect((await client(chatPath('a'.repeat(300)), auth, () => undefined)).refused).toBe(414);
    expect((await client(chatPath(agentId), {}, () => undefined)).refused).toBe(401);
    // A key in the URL is not read (URLs end up in proxies' logs and browser history), not even a good one.
    expect((await client(chatPath(agentId, `?api_key=${key}`), {}, () => undefined)).refused).toBe(401);
    await expectAlive();
  });

  it('answers garbage, binary, invalid UTF-8 and deep frames with an error, not a crash', async () => {
    const outcome = await client(chatPath(agentId, `?variables=${encodeURIComponent(JSON.stringify(appointment))}`), auth, (socket) => {
      socket.send('not json');
      socket.send(Buffer.from([0, 1, 2, 3]), { binary: true });
      socket.send(JSON.stringify({ type: 'nope' }));
      socket.send(deepJson);
      socket.send(JSON.stringify({ type: 'message', text: 'a\u0000b' }));
    });
    expect(outcome.messages.filter((message) => message.code === 'VALIDATION_FAILED').length).toBeGreaterThanOrEqual(4);
    const broken = await client(chatPath(agentId, `?variables=${encodeURIComponent(JSON.stringify(appointment))}`), auth, (socket) => socket.send(invalidUtf8, { binary: false }));
    expect(broken.closeCode).toBe(1007);
    const huge = await client(chatPath(agentId, `?variables=${encodeURIComponent(JSON.stringify(appointment))}`), auth, (socket) => socket.send('x'.repeat(1024 * 1024 + 1)));
    expect(huge.closeCode).toBe(1009);
    // The client's fault is a warning with its code, not a server error with a stack.
    await expect.poll(() => output).toContain('websocket client broke the protocol');
    expect(output.split('\n').filter((line) => line.includes('"level":50') && line.includes('WS_ERR_'))).toEqual([]);
    await expectAlive();
  });

  it('survives bad variables and a client that leaves mid-turn', async () => {
    const bad = await client(chatPath(agentId, '?variables=%7Bnot'), auth, () => undefined);
    expect(bad.messages[0]).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
    await client(chatPath(agentId, '?variables=%7B%7D'), auth, (socket) => socket.send(JSON.stringify({ type: 'message', text: 'hi' })));
    await client(chatPath(agentId, `?variables=${encodeURIComponent(JSON.stringify(appointment))}`), auth, (socket) => {
      socket.send(JSON.stringify({ type: 'message', text: 'Yes, that works for me.' }));
      socket.terminate();
    });
    await client(chatPath(agentId, `?variables=${encodeURIComponent(JSON.stringify(appointment))}`), auth, (socket) => {
      socket.send(JSON.stringify({ type: 'start', variables: appointment }));
      socket.close();
    });
    await expectAlive();
  });
});

describe("Voicing's chatbot WebSocket", () => {
  const auth = { 'x-api-key': key };
  const chatbot = (query: string) => `/compat/voicing/api/v1/voicing/ws/platform/api/chatbot${query}`;

  it('refuses an unknown assistant, a missing one, a bad key and bad variables before the upgrade', async () => {
    expect((await client(chatbot('?assistant_id=nobody'), auth, () => undefined)).refused).toBe(404);
    expect((await client(chatbot(''), auth, () => undefined)).refused).toBe(400);
    expect((await client(chatbot(`?assistant_id=${agentId}`), { 'x-api-key': 'pk_wrong_wrong_wrong' }, () => undefined)).refused).toBe(401);
    expect((await client(chatbot(`?assistant_id=${agentId}&input_variables=%5B`), auth, () => undefined)).refused).toBe(400);
    expect((await client(chatbot('?assistant_id=%00'), auth, () => undefined)).refused).toBe(400);
    await expectAlive();
  });

  it('takes a message sent before the agent is set up, garbage frames, and a client leaving mid-turn', async () => {
    const query = `?assistant_id=${agentId}&input_variables=${encodeURIComponent(JSON.stringify(appointment))}`;
    const early = await client(chatbot(query), auth, (socket) => socket.send(JSON.stringify({ type: 'message', text: 'Yes, that works for me.' })));
    expect(early.messages.some((message) => message.type === 'agent_message')).toBe(true);
    await client(chatbot(query), auth, (socket) => {
      socket.send('{');
      socket.send(Buffer.alloc(64, 0xff), { binary: true });
      socket.send(deepJson);
    });
    await client(chatbot(query), auth, (socket) => socket.send(invalidUtf8, { binary: false }));
    await client(chatbot(query), auth, (socket) => {
      socket.send(JSON.stringify({ type: 'message', text: 'Yes' }));
      socket.terminate();
    });
    await client(chatbot(`?assistant_id=${agentId}`), auth, (socket) => socket.send(JSON.stringify({ type: 'message', text: 'hi' })));
    await expectAlive();
  });
});

describe("Twilio's media stream WebSocket", () => {
  const path = '/twilio/media/call_probe';
  const signed = (url: string) => ({ 'x-twilio-signature': computeTwilioSignature(twilioToken, url) });
  const mediaHeaders = signed(`${publicUrl.replace('https', 'wss')}${path}`);

  it('refuses unsigned and wrongly signed upgrades', async () => {
    expect((await client(path, {}, () => undefined)).refused).toBe(403);
    expect((await client(path, { 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' }, () => undefined)).refused).toBe(403);
    await expectAlive();
  });

  it('survives garbage, binary, media before start, a start for an unknown call and a close before start', async () => {
    await client(path, mediaHeaders, (socket) => {
      socket.send('garbage');
      socket.send(Buffer.from([1, 2, 3]), { binary: true });
      socket.send(deepJson);
      socket.send(JSON.stringify({ event: 'media', media: { payload: 'AAAA' } }));
      socket.send(JSON.stringify({ event: 'mark', mark: { name: 'x' } }));
    }, 500);
    await client(path, mediaHeaders, (socket) => socket.send(invalidUtf8, { binary: false }));
    const unknown = await client(path, mediaHeaders, (socket) => {
      socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
      socket.send(JSON.stringify({
        event: 'start', sequenceNumber: '1', streamSid: 'MZ00000000000000000000000000000000',
        start: {
          streamSid: 'MZ00000000000000000000000000000000', accountSid: `AC${'0'.repeat(32)}`, callSid: 'CA00000000000000000000000000000000',
          tracks: ['inbound'], customParameters: { callId: 'call_unknown' }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      }));
    });
    expect(unknown.closeCode).toBeDefined();
    await client(path, mediaHeaders, (socket) => socket.close());
    await client(path, mediaHeaders, (socket) => socket.terminate());
    await expectAlive();
  });

  it('left no unhandled rejection in the log of the whole run', () => {
    expect(output).not.toContain(unhandledRejectionMessage);
    expect(output).not.toContain('"level":60');
    expect(child.exitCode).toBeNull();
  });
});
