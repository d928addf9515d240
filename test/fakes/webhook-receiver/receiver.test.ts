import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendWebhook } from '../../../src/webhooks/http-sender.js';
import { generateWebhookSecret, signWebhook } from '../../../src/webhooks/signer.js';
import { startWebhookReceiver, type WebhookReceiver } from './receiver.js';

const secret = generateWebhookSecret();
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret });
});

afterEach(async () => {
  await receiver.close();
});

/** Signs and sends one event the way the delivery worker will. */
async function deliver(type: string, options: { timeoutMs?: number; signWith?: string; timestampS?: number; id?: string } = {}) {
  const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data: { id: 'call_1', status: 'completed' } });
  const headers = signWebhook({
    secret: options.signWith ?? secret,
    id: options.id ?? 'msg_1',
    timestampS: options.timestampS ?? Math.floor(Date.now() / 1000),
    body,
  });
  const result = await sendWebhook({
    url: receiver.url,
    headers: { ...headers },
    body,
    timeoutMs: options.timeoutMs ?? 2000,
    maxResponseBytes: 1024,
    allowPrivate: true,
  });
  return { body, result };
}

describe('webhook receiver fake', () => {
  it('records and verifies a signed delivery answered 200', async () => {
    const { body, result } = await deliver('call.completed', { id: 'msg_ok' });
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseSnippet: '{"received":true}' });
    expect(receiver.deliveries).toHaveLength(1);
    expect(receiver.deliveries[0]).toMatchObject({
      method: 'POST',
      path: '/webhooks',
      id: 'msg_ok',
      type: 'call.completed',
      body,
      verified: true,
      verifyFailure: null,
      mode: 'ok',
    });
    expect(receiver.deliveries[0]!.headers['content-type']).toBe('application/json');
  });

  it('marks deliveries signed with another secret as unverified', async () => {
    await deliver('call.completed', { signWith: generateWebhookSecret() });
    expect(receiver.deliveries[0]).toMatchObject({ verified: false, verifyFailure: 'no_matching_signature' });
  });

  it('marks deliveries older than five minutes as unverified', async () => {
    await deliver('call.completed', { timestampS: Math.floor(Date.now() / 1000) - 600 });
    expect(receiver.deliveries[0]).toMatchObject({ verified: false, verifyFailure: 'timestamp_too_old' });
  });

  it('checks timestamps against an injected clock', async () => {
    await receiver.close();
    receiver = await startWebhookReceiver({ secret, nowS: () => 2_000_000_000 });
    await deliver('call.answered', { timestampS: 2_000_000_000 - 10 });
    expect(receiver.deliveries[0]).toMatchObject({ verified: true, type: 'call.answered' });
  });

  it('answers 500 in fail mode, and the sender reports an http failure', async () => {
    await receiver.setMode('fail');
    const { result } = await deliver('call.failed');
    expect(result).toMatchObject({ ok: false, statusCode: 500, error: { category: 'http', retryable: true } });
    expect(receiver.deliveries[0]).toMatchObject({ mode: 'fail', verified: true });
  });

  it('answers a chosen status in fail mode', async () => {
    await receiver.setMode({ kind: 'fail', status: 410 });
    const { result } = await deliver('call.failed');
    expect(result.statusCode).toBe(410);
  });

  it('refuses connections in down mode and accepts them again on the same port', async () => {
    const port = receiver.port;
    await receiver.setMode('down');
    const down = await deliver('call.ringing');
    expect(down.result).toMatchObject({ ok: false, error: { category: 'connection', retryable: true } });
    expect(down.result.error?.message).toContain('ECONNREFUSED');
    expect(receiver.deliveries).toHaveLength(0);

    await receiver.setMode('ok');
    expect(receiver.port).toBe(port);
    const up = await deliver('call.ringing');
    expect(up.result.ok).toBe(true);
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('can start down', async () => {
    await receiver.close();
    receiver = await startWebhookReceiver({ secret, mode: { kind: 'down' } });
    const { result } = await deliver('call.queued');
    expect(result.error?.category).toBe('connection');
  });

  it('never answers in hang mode; the sender gives up at its deadline and closes the socket', async () => {
    await receiver.setMode('hang');
    const { result } = await deliver('call.completed', { timeoutMs: 150 });
    expect(result).toMatchObject({ ok: false, error: { category: 'timeout', retryable: true } });
    expect(result.latencyMs).toBeGreaterThanOrEqual(140);
    expect(result.latencyMs).toBeLessThan(1000);
    expect(receiver.deliveries).toHaveLength(1);
    // The sender destroyed its socket: the server sees the connection close.
    await waitFor(() => receiver.closedConnections >= 1);
  });

  it('answers after the delay in slow mode', async () => {
    await receiver.setMode({ kind: 'slow', delayMs: 100 });
    const fastEnough = await deliver('call.completed', { timeoutMs: 2000 });
    expect(fastEnough.result.ok).toBe(true);
    expect(fastEnough.result.latencyMs).toBeGreaterThanOrEqual(90);

    await receiver.setMode({ kind: 'slow', delayMs: 500 });
    const tooSlow = await deliver('call.completed', { timeoutMs: 100 });
    expect(tooSlow.result.error?.category).toBe('timeout');
  });

  it('answers 302 in redirect mode; the sender does not follow it', async () => {
    await receiver.setMode('redirect');
    const { result } = await deliver('call.completed');
    expect(result).toMatchObject({ ok: false, statusCode: 302, error: { category: 'http' } });
    expect(result.error?.message).toContain('redirects are not followed');
    expect(receiver.deliveries.map((d) => d.path)).toEqual(['/webhooks']);
  });

  it('wakes waiters when deliveries arrive, and times out otherwise', async () => {
    const waiting = receiver.waitForDeliveries(2);
    await deliver('call.queued', { id: 'msg_a' });
    await deliver('call.ringing', { id: 'msg_b' });
    expect((await waiting).map((d) => d.id)).toEqual(['msg_a', 'msg_b']);
    await expect(receiver.waitForDeliveries(3, 50)).rejects.toThrow(/Expected 3 deliveries, got 2/);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 1000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
