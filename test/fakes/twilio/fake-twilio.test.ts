/**
 * The fake Twilio itself, driven by a bare HTTP + WebSocket server standing in for Parley (no
 * Parley code), so the fake's wire behaviour is checked on its own: signed callbacks and
 * upgrades, 20 ms pacing, real-time playout, marks, clear, and error 31924.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeTwilio } from './fake-twilio.js';
import { parseTwiml, signTwilio } from './wire.js';
import { buildConferenceTwiml, buildWhisperTwiml } from '../../../src/telephony/twilio/twiml.js';

interface Peer {
  readonly server: Server;
  readonly base: string;
  readonly callbacks: Array<{ url: string; params: Record<string, string>; signature: string | undefined }>;
  readonly sockets: Array<{ socket: WebSocket; request: IncomingMessage; messages: Array<Record<string, any>> }>;
}

let fake: FakeTwilio;
let peer: Peer;
const peerListeners = new Set<() => void>();
const peerChanged = (): void => {
  for (const listener of [...peerListeners]) listener();
};

/** Waits for a condition over the peer's or the fake's state, re-checked whenever either changes. */
function until<T>(condition: () => T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const check = (): void => {
      const value = condition();
      if (!value || settled) return;
      settled = true;
      peerListeners.delete(check);
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      settled = true;
      peerListeners.delete(check);
      reject(new Error(`condition not met within ${timeoutMs} ms`));
    }, timeoutMs);
    peerListeners.add(check);
    fake.waitFor(() => settled || condition(), timeoutMs).then(check, () => undefined);
    check();
  });
}

async function startPeer(): Promise<Peer> {
  const callbacks: Peer['callbacks'] = [];
  const sockets: Peer['sockets'] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      callbacks.push({
        url: `${base}${request.url}`,
        params: Object.fromEntries(new URLSearchParams(body)),
        signature: request.headers['x-twilio-signature'] as string | undefined,
      });
      response.writeHead(204).end();
      peerChanged();
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, request) => {
    const entry = { socket, request, messages: [] as Array<Record<string, any>> };
    socket.on('message', (data) => {
      entry.messages.push(JSON.parse(data.toString()) as Record<string, any>);
      peerChanged();
    });
    sockets.push(entry);
    peerChanged();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, callbacks, sockets };
}

async function dial(to: string, extra: Record<string, string> = {}): Promise<string> {
  const form = new URLSearchParams({
    To: to,
    From: '+14155550199',
    Twiml: `<Response><Connect><Stream url="${peer.base.replace('http', 'ws')}/media"><Parameter name="callId" value="c&amp;1"/></Stream></Connect></Response>`,
    StatusCallback: `${peer.base}/status?callId=c1`,
    ...extra,
  });
  for (const event of ['initiated', 'ringing', 'answered', 'completed']) form.append('StatusCallbackEvent', event);
  const response = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/${fake.accountSid}/Calls.json`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}` },
    body: form,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { sid: string }).sid;
}

async function streamOf(sid: string) {
  const start = await until(() =>
    peer.sockets.flatMap((e) => e.messages).find((m) => m['event'] === 'start' && m['start'].callSid === sid),
  );
  const entry = peer.sockets.find((e) => e.messages.includes(start))!;
  const send = (message: Record<string, unknown>) => entry.socket.send(JSON.stringify({ streamSid: start['streamSid'], ...message }));
  return { entry, start, send, stream: fake.call(sid)!.stream! };
}

beforeAll(async () => {
  fake = await FakeTwilio.start();
  peer = await startPeer();
});
afterAll(async () => {
  await fake.stop();
  for (const { socket } of peer.sockets) socket.terminate();
  peer.server.closeAllConnections();
  await new Promise<void>((resolve) => peer.server.close(() => resolve()));
});

describe('fake Twilio', () => {
  it('reads Stream url and Parameters out of TwiML, unescaping XML', () => {
    expect(parseTwiml('<?xml version="1.0"?><Response><Connect><Stream url="wss://h/m?"><Parameter name="a" value="x&lt;y"/></Stream></Connect></Response>'))
      .toEqual({ streamUrl: 'wss://h/m?', parameters: { a: 'x<y' } });
    expect(() => parseTwiml('<Response><Connect>')).toThrow(/not closed/);
  });

  it('reads a whisper (Gather with Say or Play, then Hangup) and a Conference the way Parley builds them', () => {
    const words = 'Ana about billing & refunds. Press 1 to take the call.';
    expect(parseTwiml(buildWhisperTwiml({ words, actionUrl: 'https://p/t?callId=c&leg=warm', timeoutS: 8 }))).toEqual({
      streamUrl: undefined, parameters: {},
      gather: { action: 'https://p/t?callId=c&leg=warm', numDigits: 1, timeoutS: 8, say: words },
    });
    expect(parseTwiml(buildWhisperTwiml({ words, playUrl: 'https://p/t/briefings/ab.wav?x=1&y=2', actionUrl: 'https://p/t?callId=c&leg=warm', timeoutS: 8 })).gather).toEqual({
      action: 'https://p/t?callId=c&leg=warm', numDigits: 1, timeoutS: 8, say: '', play: 'https://p/t/briefings/ab.wav?x=1&y=2',
    });
    expect(parseTwiml(buildConferenceTwiml('parley-call_1'))).toEqual({
      streamUrl: undefined, parameters: {}, conference: { room: 'parley-call_1', endOnExit: true },
    });
  });

  it('posts signed callbacks in order and signs the stream upgrade over its URL', async () => {
    const sid = await dial('+14155550100');
    const { entry, start } = await streamOf(sid);
    expect(start['start']).toMatchObject({ callSid: sid, customParameters: { callId: 'c&1' }, tracks: ['inbound'] });
    expect(entry.request.headers['x-twilio-signature']).toBe(signTwilio(fake.authToken, `${peer.base.replace('http', 'ws')}/media`));
    entry.socket.close();
    await until(() => fake.call(sid)!.ended);
    await fake.call(sid)!.callbacksSettled();
    const mine = peer.callbacks.filter((cb) => cb.params['CallSid'] === sid);
    expect(mine.map((cb) => cb.params['CallStatus'])).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    for (const cb of mine) expect(cb.signature).toBe(signTwilio(fake.authToken, cb.url, cb.params));
    expect(mine.at(-1)!.params).toMatchObject({ CallDuration: expect.stringMatching(/^\d+$/), SipResponseCode: '200' });
  });

  it('sends a media frame every 20 ms with increasing chunk and timestamp', async () => {
    const sid = await dial('+14155550101');
    const { entry } = await streamOf(sid);
    const mediaCount = () => entry.messages.filter((m) => m['event'] === 'media').length;
    await until(() => mediaCount() >= 1);
    const began = performance.now();
    const before = mediaCount();
    await until(() => mediaCount() >= before + 10);
    const elapsed = performance.now() - began;
    const media = entry.messages.filter((m) => m['event'] === 'media');
    expect(media.slice(0, 3).map((m) => [m['media'].chunk, m['media'].timestamp])).toEqual([['1', '0'], ['2', '20'], ['3', '40']]);
    expect(Buffer.from(media[0]!['media'].payload, 'base64')).toEqual(Buffer.alloc(160, 0xff));
    // Ten more frames are 200 ms of stream time: paced, they cannot arrive much sooner.
    expect(elapsed).toBeGreaterThanOrEqual(150);
    entry.socket.close();
  });

  it('plays Parley audio out in real time and echoes a mark after it, immediately when idle', async () => {
    const sid = await dial('+14155550102');
    const { entry, send, stream } = await streamOf(sid);
    send({ event: 'mark', mark: { name: 'idle' } });
    await until(() => entry.messages.some((m) => m['event'] === 'mark'));
    const sentAt = performance.now();
    send({ event: 'media', media: { payload: Buffer.alloc(1600, 7).toString('base64') } });
    send({ event: 'mark', mark: { name: 'm1' } });
    await until(() => entry.messages.some((m) => m['event'] === 'mark' && m['mark'].name === 'm1'));
    // 1600 bytes are ten 20 ms frames.
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(180);
    expect(stream.heardAudio()).toEqual(Buffer.alloc(1600, 7));
    expect(stream.marks.map((m) => [m.name, m.cleared])).toEqual([['idle', false], ['m1', false]]);
    entry.socket.close();
  });

  it('drops buffered audio on clear and echoes the pending marks at once', async () => {
    const sid = await dial('+14155550103');
    const { entry, send, stream } = await streamOf(sid);
    send({ event: 'media', media: { payload: Buffer.alloc(16_000, 9).toString('base64') } });
    send({ event: 'mark', mark: { name: 'a' } });
    send({ event: 'mark', mark: { name: 'b' } });
    await until(() => stream.heard.length >= 1);
    send({ event: 'clear' });
    await until(() => entry.messages.filter((m) => m['event'] === 'mark').length === 2);
    expect(stream.clears).toEqual([expect.objectContaining({ marks: ['a', 'b'] })]);
    expect(stream.clears[0]!.droppedBytes + stream.heardAudio().length).toBe(16_000);
    expect(stream.marks.every((m) => m.cleared)).toBe(true);
    expect(stream.queuedBytes).toBe(0);
    entry.socket.close();
  });

  it('records error 31924 for anything but media, mark and clear', async () => {
    const sid = await dial('+14155550104');
    const { entry, send, stream } = await streamOf(sid);
    send({ event: 'dtmf', dtmf: { digit: '1' } });
    entry.socket.send('not json');
    entry.socket.send(JSON.stringify({ event: 'clear', streamSid: 'MZother' }));
    send({ event: 'media', media: {} });
    await until(() => stream.errors.length === 4);
    expect(stream.errors.map((e) => e.code)).toEqual([31924, 31924, 31924, 31924]);
    expect(fake.errors.filter((e) => e.callSid === sid)).toHaveLength(4);
    entry.socket.close();
  });

  it('answers REST errors the way Twilio does', async () => {
    const url = `${fake.baseUrl}/2010-04-01/Accounts/${fake.accountSid}/Calls.json`;
    const unauthenticated = await fetch(url, { method: 'POST', body: new URLSearchParams({ To: '+14155550100' }) });
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toEqual({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    const auth = { authorization: `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}` };
    const badTo = await fetch(url, { method: 'POST', headers: auth, body: new URLSearchParams({ To: 'abc', From: '+14155550199', Twiml: '<Response/>' }) });
    expect(badTo.status).toBe(400);
    expect(await badTo.json()).toMatchObject({ code: 21211, status: 400 });
  });

  it('ends a call whose TwiML connects no stream, and reports busy', async () => {
    fake.script('+14155550105', { outcome: 'busy' });
    const busy = await dial('+14155550105');
    await until(() => fake.call(busy)!.ended);
    expect(fake.call(busy)!.status).toBe('busy');
    await fake.call(busy)!.callbacksSettled();
    expect(peer.callbacks.filter((cb) => cb.params['CallSid'] === busy).at(-1)!.params).toMatchObject({ CallStatus: 'busy', SipResponseCode: '486' });
  });
});
