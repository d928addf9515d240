/** X-Twilio-Signature vectors computed independently with node:crypto, per Twilio's documented algorithm. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeTwilioSignature, signatureUrlCandidates, verifyTwilioSignature } from './signature.js';

const authToken = '12345';

/** The documented algorithm, written out: URL, then each key+value sorted by key, HMAC-SHA1, base64. */
function reference(url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

// Twilio's own example from its security docs.
const docsUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const docsParams = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};

describe('Twilio signatures', () => {
  it('matches the reference HMAC for the documented example', () => {
    expect(computeTwilioSignature(authToken, docsUrl, docsParams)).toBe(reference(docsUrl, docsParams));
    // The value Twilio's docs publish for this example.
    expect(reference(docsUrl, docsParams)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('accepts a valid signature and refuses tampering', () => {
    const signature = reference(docsUrl, docsParams);
    expect(verifyTwilioSignature({ authToken, url: docsUrl, params: docsParams, signature })).toBe(true);
    expect(verifyTwilioSignature({ authToken, url: docsUrl, params: { ...docsParams, Digits: '1235' }, signature })).toBe(false);
    expect(verifyTwilioSignature({ authToken, url: `${docsUrl}&baz=3`, params: docsParams, signature })).toBe(false);
    expect(verifyTwilioSignature({ authToken: 'other', url: docsUrl, params: docsParams, signature })).toBe(false);
    expect(verifyTwilioSignature({ authToken, url: docsUrl, params: docsParams, signature: undefined })).toBe(false);
    expect(verifyTwilioSignature({ authToken, url: docsUrl, params: docsParams, signature: 'short' })).toBe(false);
  });

  it('accepts the URL with or without the default port, whichever Twilio signed', () => {
    const signedWithPort = reference('https://mycompany.com:443/myapp.php?foo=1&bar=2', docsParams);
    expect(verifyTwilioSignature({ authToken, url: docsUrl, params: docsParams, signature: signedWithPort })).toBe(true);
    const signedWithout = reference(docsUrl, docsParams);
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    expect(verifyTwilioSignature({ authToken, url: withPort, params: docsParams, signature: signedWithout })).toBe(true);
    // :80 is not https's port: a URL signed with it is a different URL.
    const signedWrongPort = reference('https://mycompany.com:80/myapp.php?foo=1&bar=2', docsParams);
    expect(verifyTwilioSignature({ authToken, url: docsUrl, params: docsParams, signature: signedWrongPort })).toBe(false);
  });

  it('signs a Media Streams upgrade over the wss URL with no parameters', () => {
    const url = 'wss://parley.example.com/twilio/media';
    const signature = reference(url, {});
    expect(computeTwilioSignature(authToken, url)).toBe(signature);
    expect(verifyTwilioSignature({ authToken, url: 'wss://parley.example.com:443/twilio/media', signature })).toBe(true);
    // The https form of the same URL is not what Twilio signs for a WebSocket.
    expect(verifyTwilioSignature({ authToken, url: 'https://parley.example.com/twilio/media', signature })).toBe(false);
  });

  it('lists port variants only for the scheme default', () => {
    expect(signatureUrlCandidates('wss://h.example/x')).toEqual(['wss://h.example/x', 'wss://h.example:443/x']);
    expect(signatureUrlCandidates('http://127.0.0.1:80/s?a=1')).toEqual(['http://127.0.0.1:80/s?a=1', 'http://127.0.0.1/s?a=1']);
    expect(signatureUrlCandidates('http://127.0.0.1:3000/s')).toEqual(['http://127.0.0.1:3000/s']);
    expect(signatureUrlCandidates('not a url')).toEqual(['not a url']);
  });

  it('ignores undefined form values and signs repeated keys sorted', () => {
    const url = 'https://h.example/cb';
    expect(computeTwilioSignature(authToken, url, { A: '1', B: undefined })).toBe(reference(url, { A: '1' }));
    const expected = createHmac('sha1', authToken).update(`${url}Ev1Ev2`).digest('base64');
    expect(computeTwilioSignature(authToken, url, { Ev: ['2', '1'] })).toBe(expected);
  });
});
