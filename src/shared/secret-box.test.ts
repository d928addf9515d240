import { describe, expect, it } from 'vitest';
import { createSecretBox, maskSecret } from './secret-box.js';

describe('SecretBox', () => {
  it('round-trips, never stores the plain text, and uses a fresh nonce each time', () => {
    const box = createSecretBox('server key');
    const sealed = box.seal('sk-live-123456789');
    expect(sealed).not.toContain('sk-live');
    expect(box.open(sealed)).toBe('sk-live-123456789');
    expect(box.seal('sk-live-123456789')).not.toBe(sealed);
  });

  it('refuses a tampered secret or the wrong key', () => {
    const sealed = createSecretBox('k1').seal('secret');
    expect(() => createSecretBox('k2').open(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => createSecretBox('k1').open(parts.join('.'))).toThrow();
  });

  it('masks all but the last four characters', () => {
    expect(maskSecret('sk-abcdefgh1234')).toBe('••••1234');
    expect(maskSecret('short')).toBe('••••');
  });
});
