import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../shared/secret-box.js';
import { callWebhookSecret, openEndpointSecrets, sealEndpointSecrets, signingSecrets } from './endpoint-secrets.js';
import { isValidWebhookSecret } from './signer.js';
import { customHeadersSchema, maskHeaders, openHeaders, sealHeaders } from './custom-headers.js';
import { nextAttemptDelayMs } from './backoff.js';

const box = createSecretBox('test-key');

describe('endpoint secrets', () => {
  it('round-trip sealed, and a bare sealed whsec_ still opens', () => {
    const sealed = sealEndpointSecrets(box, { current: 'whsec_a', previous: 'whsec_b', previousExpiresAt: '2030-01-01T00:00:00.000Z' });
    expect(sealed).not.toContain('whsec_');
    expect(openEndpointSecrets(box, sealed)).toEqual({ current: 'whsec_a', previous: 'whsec_b', previousExpiresAt: '2030-01-01T00:00:00.000Z' });
    expect(openEndpointSecrets(box, box.seal('whsec_plain'))).toEqual({ current: 'whsec_plain' });
  });

  it('sign with the previous secret only until its overlap ends', () => {
    const secrets = { current: 'whsec_new', previous: 'whsec_old', previousExpiresAt: '2030-01-01T00:00:00.000Z' };
    expect(signingSecrets(secrets, new Date('2029-12-31T23:59:59Z'))).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(secrets, new Date('2030-01-01T00:00:00Z'))).toEqual(['whsec_new']);
    expect(signingSecrets({ current: 'whsec_new' }, new Date())).toEqual(['whsec_new']);
  });

  it("derive a valid, stable call-webhook secret per organisation and server key", () => {
    const a = callWebhookSecret('server-key', 'org_1');
    expect(isValidWebhookSecret(a)).toBe(true);
    expect(callWebhookSecret('server-key', 'org_1')).toBe(a);
    expect(callWebhookSecret('server-key', 'org_2')).not.toBe(a);
    expect(callWebhookSecret('other-key', 'org_1')).not.toBe(a);
  });
});

describe('custom headers', () => {
  it('accept an Authorization and refuse reserved names, bad names, line breaks and duplicates', () => {
    expect(customHeadersSchema.safeParse({ Authorization: 'hamsa-key hamsa-secret', 'X-Trace': 'a\tb' }).success).toBe(true);
    for (const bad of [{ 'Webhook-Id': 'x' }, { Host: 'evil' }, { 'Bad Name': 'x' }, { 'X-A': 'a\r\nX-B: b' }, { 'X-A': '1', 'x-a': '2' }]) {
      expect(customHeadersSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v']));
    expect(customHeadersSchema.safeParse(many).success).toBe(false);
  });

  it('seal, open and mask', () => {
    expect(sealHeaders(box, {})).toBeNull();
    const sealed = sealHeaders(box, { Authorization: 'Bearer secret-token-9876' })!;
    expect(sealed).not.toContain('secret-token');
    expect(openHeaders(box, sealed)).toEqual({ Authorization: 'Bearer secret-token-9876' });
    expect(openHeaders(box, null)).toEqual({});
    expect(maskHeaders({ Authorization: 'Bearer secret-token-9876' })).toEqual({ Authorization: '••••9876' });
  });
});

describe('a custom retry schedule', () => {
  it('replaces the default one, with the same jitter, and ends after its last entry', () => {
    const schedule = [100, 200];
    expect(nextAttemptDelayMs(1, () => 0.5, schedule)).toBe(100);
    expect(nextAttemptDelayMs(2, () => 0, schedule)).toBe(160);
    expect(nextAttemptDelayMs(3, () => 0.5, schedule)).toBeNull();
  });
});
