/** TwilioMediaLine on a real socket pair: the server end is the line, the client end plays Twilio. */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { acceptTwilioMediaStream, TwilioMediaLine } from './media-line.js';
import { ProviderError } from '../../shared/errors.js';

const streamSid = `MZ${'1'.repeat(32)}`;
const callSid = `CA${'2'.repeat(32)}`;
const accountSid = `AC${'3'.repeat(32)}`;
const start = {
  event: 'start', sequenceNumber: '1', streamSid,
  start: {
    streamSid, accountSid, callSid, tracks: ['inbound'], customParameters: { callId: 'call_9', extra: 'x' },
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
  },
};

let server: WebSocketServer;
let url: string;
const accepted: WebSocket[] = [];
const acceptWaiters: Array<(socket: WebSocket) => void> = [];

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.on('listening', () => resolve()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('connection', (socket) => {
    const waiter = acceptWaiters.shift();
    if (waiter) waiter(socket);
    else accepted.push(socket);
  });
});
afterAll(async () => {
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A connected pair: `twilio` is the client end, `serverSocket` is what @fastify/websocket would hand over. */
async function pair(): Promise<{ twilio: WebSocket; serverSocket: WebSocket; received: Array<Record<string, unknown>> }> {
  const serverSocket = new Promise<WebSocket>((resolve) => acceptWaiters.push(resolve));
  const twilio = new WebSocket(url);
  const received: Array<Record<string, unknown>> = [];
  twilio.on('message', (data) => received.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise<void>((resolve) => twilio.on('open', () => resolve()));
  return { twilio, serverSocket: await serverSocket, received };
}

function sendAll(socket: WebSocket, messages: unknown[]): void {
  for (const message of messages) socket.send(typeof message === 'string' ? message : JSON.stringify(message));
}

async function collect(line: TwilioMediaLine) {
  const frames = [];
  for await (const frame of line.frames) frames.push(frame);
  return frames;
}

describe('TwilioMediaLine', () => {
  it('exposes the start message and delivers frames that follow it', async () => {
    const { twilio, serverSocket } = await pair();
    const linePromise = acceptTwilioMediaStream(serverSocket, { startTimeoutMs: 2_000 });
    const payload = Buffer.alloc(160, 0x55).toString('base64');
    sendAll(twilio, [
      { event: 'connected', protocol: 'Call', version: '1.0.0' },
      start,
      { event: 'media', sequenceNumber: '2', streamSid, media: { track: 'inbound', chunk: '1', timestamp: '0', payload } },
      'garbage',
      { event: 'dtmf', sequenceNumber: '3', streamSid, dtmf: { track: 'inbound_track', digit: '#' } },
      { event: 'stop', sequenceNumber: '4', streamSid, stop: { accountSid, callSid } },
    ]);
    const line = await linePromise;
    expect(line.stream).toEqual({
      streamSid, callSid, accountSid, callId: 'call_9', customParameters: { callId: 'call_9', extra: 'x' }, tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    });
    expect(await collect(line)).toEqual([
      { kind: 'audio', payload: Buffer.alloc(160, 0x55), timestampMs: 0 },
      { kind: 'dtmf', digit: '#' },
      { kind: 'end', reason: 'stream_stopped' },
    ]);
    expect(line.stats()).toMatchObject({ inboundAudioFrames: 1, unreadableMessages: 1 });
    twilio.close();
  });

  it('sends audio, marks and clear with the stream sid, and drops frames Twilio has no message for', async () => {
    const { twilio, serverSocket, received } = await pair();
    const linePromise = acceptTwilioMediaStream(serverSocket, { startTimeoutMs: 2_000 });
    sendAll(twilio, [start]);
    const line = await linePromise;
    line.send({ kind: 'audio', payload: Buffer.from([1, 2, 3]) });
    line.send({ kind: 'text', text: 'never on the wire' });
    line.send({ kind: 'mark', name: 'm' });
    line.send({ kind: 'interruption' });
    await new Promise<void>((resolve) => {
      const check = () => (received.length >= 3 ? resolve() : setImmediate(check));
      check();
    });
    expect(received).toEqual([
      { event: 'media', streamSid, media: { payload: Buffer.from([1, 2, 3]).toString('base64') } },
      { event: 'mark', streamSid, mark: { name: 'm' } },
      { event: 'clear', streamSid },
    ]);
    expect(line.markState('m')).toBe('cleared');
    expect(line.pendingMarks).toEqual([]);
    twilio.close();
  });

  it('matches echoes to marks, including a name reused after a clear', async () => {
    const { twilio, serverSocket } = await pair();
    const linePromise = acceptTwilioMediaStream(serverSocket, { startTimeoutMs: 2_000 });
    sendAll(twilio, [start]);
    const line = await linePromise;
    line.send({ kind: 'mark', name: 'turn' });
    line.send({ kind: 'interruption' });
    line.send({ kind: 'mark', name: 'turn' });
    const echo = { event: 'mark', sequenceNumber: '5', streamSid, mark: { name: 'turn' } };
    // First echo is the cleared one (Twilio returns it on clear), the second is the replayed mark.
    sendAll(twilio, [echo, { ...echo, mark: { name: 'never-sent' } }, echo, { event: 'stop', sequenceNumber: '6', streamSid, stop: { accountSid, callSid } }]);
    expect(await collect(line)).toEqual([{ kind: 'mark', name: 'turn' }, { kind: 'end', reason: 'stream_stopped' }]);
    expect(line.markState('turn')).toBe('played');
    expect(line.stats()).toMatchObject({ marksSent: 2, marksPlayed: 1, marksCleared: 1 });
    twilio.close();
  });

  it('ends frames with socket_closed when Twilio drops the socket without stop', async () => {
    const { twilio, serverSocket } = await pair();
    const linePromise = acceptTwilioMediaStream(serverSocket, { startTimeoutMs: 2_000 });
    sendAll(twilio, [start]);
    const line = await linePromise;
    twilio.terminate();
    expect(await collect(line)).toEqual([{ kind: 'end', reason: 'socket_closed' }]);
    line.send({ kind: 'audio', payload: Buffer.alloc(160) });
  });

  it('hangs up by closing the socket, ending its own frames', async () => {
    const { twilio, serverSocket } = await pair();
    const linePromise = acceptTwilioMediaStream(serverSocket, { startTimeoutMs: 2_000 });
    sendAll(twilio, [start]);
    const line = await linePromise;
    const closedWith = new Promise<number>((resolve) => twilio.on('close', (code) => resolve(code)));
    line.hangUp();
    expect(await closedWith).toBe(1000);
    expect(await collect(line)).toEqual([{ kind: 'end', reason: 'hung_up' }]);
  });

  it('gives up on a stream that sends no start in time, closing it', async () => {
    const { twilio, serverSocket } = await pair();
    const closedWith = new Promise<number>((resolve) => twilio.on('close', (code) => resolve(code)));
    sendAll(twilio, [{ event: 'connected', protocol: 'Call', version: '1.0.0' }]);
    const error = await acceptTwilioMediaStream(serverSocket, { startTimeoutMs: 50 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ category: 'connectivity' });
    expect(await closedWith).toBe(1000);
  });
});
