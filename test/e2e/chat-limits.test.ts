/**
 * A chat holds a socket and a conversation: an organisation may hold PARLEY_MAX_CHATS of them
 * on a process (native chats and Voicing's chatbot together), one more is refused before the
 * upgrade (429; Voicing's 400), and a closed chat frees its place. A client that floods a chat with
 * messages is told which ones were not taken, and the chat goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestParley, type TestParley } from '../support/parley.js';

let server: TestParley;
beforeAll(async () => {
  server = await startTestParley({ env: { PARLEY_MAX_CHATS: '2' } });
  // An agent that answers and never ends the chat.
  server.llm!.respond(() => ({ text: ['Noted.'] }));
});
afterAll(async () => {
  await server?.close();
});

interface OpenChat {
  readonly socket: WebSocket;
  readonly messages: any[];
  /** The HTTP status of a refused upgrade, or 101. */
  readonly status: number;
  readonly body: string;
}

/** Opens a chat and waits for the agent's greeting (or the refusal). */
function openChat(path: string, headers: Record<string, string>): Promise<OpenChat> {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, { headers });
  const messages: any[] = [];
  socket.on('message', (raw) => messages.push(JSON.parse(String(raw))));
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ socket, messages, status: response.statusCode!, body }));
    });
    socket.on('error', reject);
    socket.on('message', () => {
      if (messages.some((m) => m.type === 'agent_message')) resolve({ socket, messages, status: 101, body: '' });
    });
  });
}

const native = (key: string, agentId: string) => openChat(`/v1/agents/${agentId}/chat`, { authorization: `Bearer ${key}` });
const voicing = (key: string, agentId: string) => openChat(`/compat/voicing/api/v1/voicing/ws/platform/api/chatbot?assistant_id=${agentId}`, { 'x-api-key': key });

function closed(chat: OpenChat): Promise<void> {
  if (chat.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    chat.socket.once('close', () => resolve());
    chat.socket.close();
  });
}

describe('chats per organisation', () => {
  it('refuses one chat over the limit with 429 CHATS_LIMIT on either route, lets another organisation in, and frees a place when one closes', async () => {
    const tenant = await server.tenant();
    const other = await server.tenant();
    const agent = await tenant.agent();
    const otherAgent = await other.agent();

    const first = await native(tenant.key, agent.id);
    const second = await voicing(tenant.key, agent.id);
    expect([first.status, second.status]).toEqual([101, 101]);

    const refused = await native(tenant.key, agent.id);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).error).toMatchObject({ code: 'CHATS_LIMIT', details: { limit: 2 } });
    // Voicing's documented errors are 400, 401, 404 and 500, each a {detail}.
    const refusedVoicing = await voicing(tenant.key, agent.id);
    expect(refusedVoicing.status).toBe(400);
    expect(JSON.parse(refusedVoicing.body)).toEqual({ detail: 'The organisation has as many chats open as it may; close one first' });

    const elsewhere = await native(other.key, otherAgent.id);
    expect(elsewhere.status).toBe(101);

    await closed(first);
    await expect.poll(async () => {
      const again = await native(tenant.key, agent.id);
      await closed(again);
      return again.status;
    }, { timeout: 15_000, interval: 100 }).toBe(101);
    await Promise.all([closed(second), closed(elsewhere)]);
  });

  it('does not take messages past 16 waiting for the agent, says so for each, and goes on with the chat', async () => {
    const tenant = await server.tenant();
    const agent = await tenant.agent();
    const chat = await native(tenant.key, agent.id);
    expect(chat.status).toBe(101);
    // Sent at once: the server reads the frames far faster than the agent answers them.
    for (let i = 0; i < 200; i++) chat.socket.send(JSON.stringify({ type: 'message', text: `message ${i}` }));
    await expect.poll(() => chat.messages.filter((m) => m.type === 'error').length, { timeout: 10_000 }).toBeGreaterThan(100);
    const errors = chat.messages.filter((m) => m.type === 'error');
    expect(errors.every((m) => m.code === 'CHAT_MESSAGES_WAITING')).toBe(true);
    expect(errors.find((m) => m.code === 'CHAT_MESSAGES_WAITING')).toMatchObject({ details: { limit: 16 } });

    // The backlog drains (at most 16 answered), then a new message is answered.
    await expect.poll(() => chat.messages.filter((m) => m.type === 'agent_message').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    const answered = () => chat.messages.filter((m) => m.type === 'agent_message').length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = answered();
    // The greeting, the message being answered when the flood came, and the 16 that waited.
    expect(before).toBeLessThanOrEqual(1 + 1 + 16);
    chat.socket.send(JSON.stringify({ type: 'message', text: 'Are you still there?' }));
    await expect.poll(answered, { timeout: 10_000 }).toBe(before + 1);
    expect(chat.socket.readyState).toBe(WebSocket.OPEN);
    await closed(chat);
  });
});

describe('a chat whose key is revoked', () => {
  it('is closed at once (4001), natively and through Voicing, and its place freed', async () => {
    const tenant = await server.tenant();
    const agent = await tenant.agent();
    const reader = (await tenant.request('POST', '/v1/api-keys', { name: 'chatter', scopes: ['agents:read'] })).body;
    const chats = [await native(reader.key, agent.id), await voicing(reader.key, agent.id)];
    expect(chats.map((chat) => chat.status)).toEqual([101, 101]);
    const codes = chats.map((chat) => new Promise<number>((resolve) => chat.socket.once('close', (code) => resolve(code))));
    await tenant.request('DELETE', `/v1/api-keys/${reader.id}`);
    expect(await Promise.all(codes)).toEqual([4001, 4001]);
    expect((await native(tenant.key, agent.id)).status).toBe(101);
  });
});
