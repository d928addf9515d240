/** The Connect/Stream TwiML: exact shape, XML escaping, and the wss-only, no-query rule. */
import { describe, expect, it } from 'vitest';
import { buildConnectStreamTwiml, escapeXml } from './twiml.js';

describe('buildConnectStreamTwiml', () => {
  it('connects a bidirectional stream with the call id as a parameter', () => {
    expect(buildConnectStreamTwiml('wss://parley.example.com/twilio/media', { callId: 'call_01j' })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        '<Response><Connect><Stream url="wss://parley.example.com/twilio/media">' +
        '<Parameter name="callId" value="call_01j"/></Stream></Connect></Response>',
    );
  });

  it('escapes every XML special character in names, values and the URL', () => {
    expect(escapeXml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    const twiml = buildConnectStreamTwiml('wss://h.example/a&b', { 'x"y': `<&'>` });
    expect(twiml).toContain('<Stream url="wss://h.example/a&amp;b">');
    expect(twiml).toContain('<Parameter name="x&quot;y" value="&lt;&amp;&apos;&gt;"/>');
  });

  it('refuses a stream URL Twilio would not open', () => {
    expect(() => buildConnectStreamTwiml('https://h.example/twilio/media')).toThrow(/wss/);
    expect(() => buildConnectStreamTwiml('ws://parley.example.com/twilio/media')).toThrow(/wss/);
    expect(() => buildConnectStreamTwiml('wss://h.example/twilio/media?callId=1')).toThrow(/query string/);
  });

  it('lets plain ws through for a loopback fake only', () => {
    expect(buildConnectStreamTwiml('ws://127.0.0.1:4100/twilio/media')).toContain('url="ws://127.0.0.1:4100/twilio/media"');
  });
});
