// Close-code classification of vendor WebSocket failures.
import { describe, expect, it } from 'vitest';
import { errorOfClose } from './vendor-socket.js';

describe('errorOfClose', () => {
  it('treats 1000 and "no status" as clean closes', () => {
    expect(errorOfClose('x', 1000, '')).toBeNull();
    expect(errorOfClose('x', 1005, '')).toBeNull();
  });

  it.each([
    [1006, '', 'connectivity', true],
    [1011, 'NET-0001 timeout', 'server', true],
    [1001, 'going away', 'server', true],
    [1013, 'try again later', 'server', true],
    [1008, 'Invalid API key', 'auth', false],
    [1008, 'quota_exceeded', 'quota', false],
    [1008, 'Too many concurrent requests', 'rate_limit', true],
    [1008, 'Have not received a new text input within the timeout of 20 seconds', 'connectivity', true],
    [1008, 'DATA-0000: payload cannot be decoded', 'invalid_request', false],
    [1003, 'binary messages are not supported', 'invalid_request', false],
    [4001, 'unauthorized', 'auth', false],
    [3000, '', 'unknown', true],
  ] as const)('maps close %i (%j) to %s', (code, reason, category, retryable) => {
    expect(errorOfClose('vendor', code, reason)).toMatchObject({ provider: 'vendor', category, retryable });
  });

  it('keeps the vendor reason out of the message, in the cause', () => {
    const error = errorOfClose('vendor', 1008, 'Invalid API key sk-123')!;
    expect(error.message).not.toContain('sk-123');
    expect(String(error.cause)).toContain('Invalid API key');
  });
});
