/** Option parsing: defaults, the https rule for the public URL, and the derived wss URL. */
import { describe, expect, it } from 'vitest';
import { parseTwilioOptions, publicWsUrl } from './options.js';

const accountSid = 'AC0123456789abcdef0123456789abcdef';

describe('Twilio options', () => {
  it('fills defaults and trims a trailing slash', () => {
    const options = parseTwilioOptions({ accountSid, authToken: 't', publicUrl: 'https://parley.example.com/' });
    expect(options).toMatchObject({
      apiBaseUrl: 'https://api.twilio.com',
      publicUrl: 'https://parley.example.com',
      statusCallbackPath: '/twilio/status',
      mediaStreamPath: '/twilio/media',
    });
    expect(publicWsUrl(options)).toBe('wss://parley.example.com');
  });

  it('accepts http only for a loopback host', () => {
    expect(publicWsUrl(parseTwilioOptions({ accountSid, authToken: 't', publicUrl: 'http://127.0.0.1:3000' }))).toBe(
      'ws://127.0.0.1:3000',
    );
    expect(() => parseTwilioOptions({ accountSid, authToken: 't', publicUrl: 'http://parley.example.com' })).toThrow(/https/);
  });

  it('names the bad field', () => {
    expect(() => parseTwilioOptions({ accountSid: 'nope', authToken: 't', publicUrl: 'https://p.example' })).toThrow(/accountSid|Account SID/);
    expect(() => parseTwilioOptions({ accountSid, authToken: '', publicUrl: 'https://p.example' })).toThrow(/authToken/);
    expect(() => parseTwilioOptions({ accountSid, authToken: 't', publicUrl: 'https://p.example?x=1' })).toThrow(/query/);
    expect(() =>
      parseTwilioOptions({ accountSid, authToken: 't', publicUrl: 'https://p.example', statusCallbackPath: 'status' }),
    ).toThrow(/path/);
  });
});
