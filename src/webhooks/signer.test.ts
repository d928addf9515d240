import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectedSignature, verifyStandardWebhook } from '../../test/fakes/webhook-receiver/standard-webhooks.js';
import { generateWebhookSecret, isValidWebhookSecret, signWebhook, WebhookSigningError } from './signer.js';

// A fixed secret (24 bytes) and a published Standard Webhooks test vector for cross-checking.
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const body = '{"type":"call.completed","timestamp":"2025-01-01T00:00:00.000Z","data":{"id":"call_1"}}';
const nowS = 1_735_689_600; // 2025-01-01T00:00:00Z

afterEach(() => {
  vi.useRealTimers();
});

describe('signWebhook', () => {
  it('produces the three Standard Webhooks headers', () => {
    const headers = signWebhook({ secret, id: 'msg_1', timestampS: nowS, body });
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe(String(nowS));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('matches the signature of the spec test vector', () => {
    // From the standard-webhooks repository's own test suite (the Svix example).
    const headers = signWebhook({
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestampS: 1614265330,
      body: '{"test": 2432232314}',
    });
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies with an independent node:crypto implementation', () => {
    const headers = signWebhook({ secret, id: 'msg_2', timestampS: nowS, body });
    expect(headers['webhook-signature']).toBe(`v1,${expectedSignature(secret, 'msg_2', String(nowS), body)}`);
    expect(verifyStandardWebhook({ secret, headers: { ...headers }, body, nowS })).toBeNull();
  });

  it('verifies with the library Webhook.verify', () => {
    vi.useFakeTimers();
    vi.setSystemTime(nowS * 1000 + 30_000);
    const headers = signWebhook({ secret, id: 'msg_3', timestampS: nowS, body });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs Buffer bodies byte for byte like strings', () => {
    const text = '{"name":"Zoë ☎"}';
    const fromString = signWebhook({ secret, id: 'msg_4', timestampS: nowS, body: text });
    const fromBuffer = signWebhook({ secret, id: 'msg_4', timestampS: nowS, body: Buffer.from(text) });
    expect(fromBuffer).toEqual(fromString);
    expect(verifyStandardWebhook({ secret, headers: { ...fromBuffer }, body: Buffer.from(text), nowS })).toBeNull();
  });

  it('fails verification when the body is tampered with', () => {
    vi.useFakeTimers();
    vi.setSystemTime(nowS * 1000);
    const headers = signWebhook({ secret, id: 'msg_5', timestampS: nowS, body });
    const tampered = body.replace('call.completed', 'call.failed');
    expect(verifyStandardWebhook({ secret, headers: { ...headers }, body: tampered, nowS })).toBe('no_matching_signature');
    expect(() => new Webhook(secret).verify(tampered, { ...headers })).toThrow(WebhookVerificationError);
  });

  it('fails verification when the id or timestamp header is swapped', () => {
    const headers = signWebhook({ secret, id: 'msg_6', timestampS: nowS, body });
    expect(verifyStandardWebhook({ secret, headers: { ...headers, 'webhook-id': 'msg_7' }, body, nowS })).toBe(
      'no_matching_signature',
    );
    expect(
      verifyStandardWebhook({ secret, headers: { ...headers, 'webhook-timestamp': String(nowS - 1) }, body, nowS }),
    ).toBe('no_matching_signature');
  });

  it('fails verification with another secret', () => {
    const headers = signWebhook({ secret, id: 'msg_8', timestampS: nowS, body });
    const other = generateWebhookSecret();
    expect(verifyStandardWebhook({ secret: other, headers: { ...headers }, body, nowS })).toBe('no_matching_signature');
  });

  it('fails verification when the timestamp is older than five minutes', () => {
    const oldS = nowS - 301;
    const headers = signWebhook({ secret, id: 'msg_9', timestampS: oldS, body });
    expect(verifyStandardWebhook({ secret, headers: { ...headers }, body, nowS })).toBe('timestamp_too_old');
    vi.useFakeTimers();
    vi.setSystemTime(nowS * 1000);
    expect(() => new Webhook(secret).verify(body, { ...headers })).toThrow(/too old/);
    // Exactly at the tolerance it still passes.
    const edge = signWebhook({ secret, id: 'msg_9', timestampS: nowS - 300, body });
    expect(verifyStandardWebhook({ secret, headers: { ...edge }, body, nowS })).toBeNull();
  });

  it('lists one signature per secret while rotating, each verifiable on its own', () => {
    const next = generateWebhookSecret();
    const headers = signWebhook({ secret: [secret, next], id: 'msg_10', timestampS: nowS, body });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyStandardWebhook({ secret, headers: { ...headers }, body, nowS })).toBeNull();
    expect(verifyStandardWebhook({ secret: next, headers: { ...headers }, body, nowS })).toBeNull();
  });

  it('refuses malformed secrets, ids and timestamps', () => {
    expect(() => signWebhook({ secret: 'not-a-secret', id: 'msg_1', timestampS: nowS, body })).toThrow(WebhookSigningError);
    expect(() => signWebhook({ secret: 'whsec_c2hvcnQ=', id: 'msg_1', timestampS: nowS, body })).toThrow(WebhookSigningError);
    expect(() => signWebhook({ secret: [], id: 'msg_1', timestampS: nowS, body })).toThrow(WebhookSigningError);
    expect(() => signWebhook({ secret, id: 'msg.1', timestampS: nowS, body })).toThrow(WebhookSigningError);
    expect(() => signWebhook({ secret, id: 'msg 1', timestampS: nowS, body })).toThrow(WebhookSigningError);
    expect(() => signWebhook({ secret, id: 'msg_1', timestampS: 1.5, body })).toThrow(WebhookSigningError);
  });
});

describe('generateWebhookSecret', () => {
  it('returns whsec_ and the base64 of 32 random bytes by default', () => {
    const generated = generateWebhookSecret();
    expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(generated.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(isValidWebhookSecret(generated)).toBe(true);
  });

  it('honours 24 to 64 bytes and refuses anything else', () => {
    expect(Buffer.from(generateWebhookSecret(24).slice(6), 'base64')).toHaveLength(24);
    expect(Buffer.from(generateWebhookSecret(64).slice(6), 'base64')).toHaveLength(64);
    expect(() => generateWebhookSecret(23)).toThrow(RangeError);
    expect(() => generateWebhookSecret(65)).toThrow(RangeError);
  });

  it('never repeats', () => {
    const seen = new Set(Array.from({ length: 100 }, () => generateWebhookSecret()));
    expect(seen.size).toBe(100);
  });

  it('secrets it generates sign deliveries the library verifies', () => {
    const fresh = generateWebhookSecret();
    vi.useFakeTimers();
    vi.setSystemTime(nowS * 1000);
    const headers = signWebhook({ secret: fresh, id: 'msg_11', timestampS: nowS, body });
    expect(new Webhook(fresh).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });
});

describe('isValidWebhookSecret', () => {
  it.each([
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', false],
    ['whsec_', false],
    ['whsec_c2hvcnQ=', false],
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!', false],
  ])('%s -> %s', (value, valid) => {
    expect(isValidWebhookSecret(value)).toBe(valid);
  });
});
