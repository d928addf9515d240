/**
 * The web-call WebSocket without a browser: the wire in src/telephony/web/protocol.ts, against
 * the Deepgram and ElevenLabs fakes. A call record with carrier `web`, the agent heard, the
 * caller heard, barge-in clearing the agent's unplayed audio, and a clear refusal when the
 * server has no speech providers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestParley, type TestParley } from '../support/parley.js';
import { startDeepgramFake, type DeepgramFake } from '../fakes/deepgram/server.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../fakes/elevenlabs/server.js';
import { ScriptedRecognizer } from '../../src/voice/stt/scripted/recognizer.js';
import { silenceMulaw, speechLikeMulaw } from '../../src/media/signal.js';

const heard = 'Could you repeat that please?';

interface Session {
  readonly socket: WebSocket;
  readonly messages: Array<Record<string, any>>;
  audioBytes: number;
  closed: Promise<void>;
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
}

function connect(url: string, key: string, variables: Record<string, string> = {}): Promise<Session> {
  const socket = new WebSocket(url.replace('http', 'ws'), ['parley', `bearer.${key}`]);
  const session: Session = {
    socket, messages: [], audioBytes: 0,
    closed: new Promise((resolve) => socket.on('close', () => resolve())),
    async until(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(session.messages)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
  socket.on('message', (data, isBinary) => {
    if (isBinary) session.audioBytes += (data as Buffer).length;
    else {
      const message = JSON.parse(String(data));
      session.messages.push(message);
      // A browser echoes a mark once the audio before it has played; this one "plays" at once.
      if (message.type === 'mark') socket.send(JSON.stringify({ type: 'mark', name: message.name }));
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'start', variables }));
      resolve(session);
    });
    socket.once('error', reject);
  });
}

/** Sends μ-law audio in 20 ms frames at real time. */
async function speak(socket: WebSocket, audio: Buffer): Promise<void> {
  for (let offset = 0; offset < audio.length && socket.readyState === socket.OPEN; offset += 160) {
    socket.send(audio.subarray(offset, offset + 160));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('web calls', () => {
  let server: TestParley;
  let deepgram: DeepgramFake;
  let elevenlabs: ElevenLabsFake;

  beforeAll(async () => {
    [deepgram, elevenlabs] = await Promise.all([
      startDeepgramFake({ recognizer: (params) => new ScriptedRecognizer({ endpointingMs: params.endpointingMs, utteranceEndMs: params.utteranceEndMs ?? 1000, interimResults: params.interimResults, fallbackText: heard }) }),
      // Slow speech, so the greeting is still playing when the caller talks over it.
      startElevenLabsFake({ msPerChar: 60 }),
    ]);
    server = await startTestParley({
      env: { DEEPGRAM_API_KEY: deepgram.apiKey, DEEPGRAM_BASE_URL: deepgram.url, ELEVENLABS_API_KEY: elevenlabs.apiKey, ELEVENLABS_BASE_URL: elevenlabs.url },
    });
  });
  afterAll(async () => {
    await server?.close();
    await deepgram?.close();
    await elevenlabs?.close();
  });

  it('is a call with carrier web: the agent is heard, the caller barges in, the agent stops, and the transcript keeps what was said', async () => {
    const tenant = await server.tenant();
    const agent = await tenant.request('POST', '/v1/agents', {
      name: 'Web', prompt: 'You help {{who}}.', greeting: 'Hello {{who}}, thank you for calling, this greeting is long enough to be interrupted by the caller who talks over it.',
    });
    const session = await connect(`${server.url}/v1/agents/${agent.body.id}/web-call`, tenant.key, { who: 'Ana' });
    await session.until(() => session.messages.some((m) => m.type === 'call'));
    const callId = session.messages.find((m) => m.type === 'call')!.call_id as string;
    await session.until(() => session.audioBytes > 8000);
    await speak(session.socket, Buffer.concat([speechLikeMulaw({ durationMs: 1200 }), silenceMulaw(1500)]));
    await session.until(() => session.messages.some((m) => m.type === 'clear'));
    await session.closed;
    const call = await tenant.waitForEnd(callId);
    expect(call).toMatchObject({ carrier: 'web', status: 'completed', to: 'web', variables: { who: 'Ana' } });
    const greeting = call.transcript.find((turn: any) => turn.role === 'agent');
    expect(greeting.interrupted).toBe(true);
    expect(greeting.text).toMatch(/^Hello Ana/);
    expect(greeting.text.length).toBeLessThan('Hello Ana, thank you for calling, this greeting is long enough to be interrupted by the caller who talks over it.'.length);
    expect(call.transcript.some((turn: any) => turn.role !== 'agent' && turn.text === heard)).toBe(true);
    expect(call.transcript.at(-1).text).toContain('goodbye');
    expect(session.messages.at(-1)).toMatchObject({ type: 'ended' });
  });

  it('ends a call whose client sends audio faster than real time, saying so, before it reaches the speech-to-text', async () => {
    const tenant = await server.tenant();
    const agent = await tenant.request('POST', '/v1/agents', { name: 'Web', prompt: 'You help.', greeting: 'Hello.' });
    const session = await connect(`${server.url}/v1/agents/${agent.body.id}/web-call`, tenant.key);
    await session.until(() => session.messages.some((m) => m.type === 'call'));
    const callId = session.messages.find((m) => m.type === 'call')!.call_id as string;
    await session.until(() => session.audioBytes > 0);
    // 5 s of speech at once is within what a network may bunch; then a minute of it in one message is not.
    session.socket.send(speechLikeMulaw({ durationMs: 5_000 }));
    session.socket.send(speechLikeMulaw({ durationMs: 60_000 }));
    const closeCode = await new Promise<number>((resolve) => session.socket.once('close', (code) => resolve(code)));
    expect(closeCode).toBe(1008);
    expect(session.messages).toContainEqual(expect.objectContaining({ type: 'error', code: 'VALIDATION_FAILED', message: expect.stringContaining('faster than real time') }));
    const call = await tenant.waitForEnd(callId);
    expect(call).toMatchObject({ carrier: 'web', end_reason: 'carrier_failed' });
    expect(call.duration_s ?? 0).toBeLessThan(30);
  });

  it('refuses a start without a key, with the wrong scope, or for another organisation\'s agent', async () => {
    const tenant = await server.tenant();
    const other = await server.tenant();
    const agent = await other.request('POST', '/v1/agents', { name: 'Theirs', prompt: 'x', greeting: 'Hi.' });
    const unauthenticated = new WebSocket(`${server.url.replace('http', 'ws')}/v1/agents/${agent.body.id}/web-call`);
    const status = await new Promise<number>((resolve) => unauthenticated.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
    expect(status).toBe(401);
    const readOnly = await tenant.request('POST', '/v1/api-keys', { name: 'ro', scopes: ['calls:read'] });
    const refused = new WebSocket(`${server.url.replace('http', 'ws')}/v1/agents/${agent.body.id}/web-call`, ['parley', `bearer.${readOnly.body.key}`]);
    expect(await new Promise<number>((resolve) => refused.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)))).toBe(403);
    const session = await connect(`${server.url}/v1/agents/${agent.body.id}/web-call`, tenant.key);
    await session.closed;
    expect(session.messages).toEqual([expect.objectContaining({ type: 'error', code: 'AGENT_NOT_FOUND' })]);
  });
});

describe('web calls on a server with no speech providers', () => {
  let server: TestParley;
  beforeAll(async () => {
    server = await startTestParley();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('are refused with SPEECH_NOT_CONFIGURED naming what to set, and no call is made', async () => {
    const tenant = await server.tenant();
    const agent = await tenant.request('POST', '/v1/agents', { name: 'Web', prompt: 'x', greeting: 'Hi.' });
    const session = await connect(`${server.url}/v1/agents/${agent.body.id}/web-call`, tenant.key);
    await session.closed;
    expect(session.messages).toHaveLength(1);
    expect(session.messages[0]).toMatchObject({ type: 'error', code: 'SPEECH_NOT_CONFIGURED' });
    expect(session.messages[0]!.message).toContain('DEEPGRAM_API_KEY');
    expect(session.messages[0]!.details.missing).toEqual(['speech recognition (DEEPGRAM_API_KEY)', 'speech synthesis (ELEVENLABS_API_KEY or CARTESIA_API_KEY)']);
    expect((await tenant.request('GET', '/v1/calls')).body.data).toEqual([]);
  });
});
