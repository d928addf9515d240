/** Replays Twilio's documented Media Streams messages through the codec and checks round trips. */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../media/frames.js';
import { TwilioMediaCodec } from './media-codec.js';
import { parseTwilioInboundMessage, type TwilioMediaMessage } from './protocol.js';

const streamSid = 'MZ18ad3ab5a668481ce02b83e7395059f0';
const callSid = 'CA7b7c6b3e0a4a4f0f9d5b3c2a1e0f9d8c';
const accountSid = 'AC0123456789abcdef0123456789abcdef';
const payload = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 7) & 0xff));

// The wire text exactly as PROTOCOLS.md (and Twilio's docs) show it: every number a string.
const wire = {
  connected: '{"event":"connected","protocol":"Call","version":"1.0.0"}',
  start: `{"event":"start","sequenceNumber":"1","streamSid":"${streamSid}","start":{"streamSid":"${streamSid}","accountSid":"${accountSid}","callSid":"${callSid}","tracks":["inbound"],"customParameters":{"callId":"call_123"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}`,
  media: `{"event":"media","sequenceNumber":"3","streamSid":"${streamSid}","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"${payload.toString('base64')}"}}`,
  dtmf: `{"event":"dtmf","sequenceNumber":"5","streamSid":"${streamSid}","dtmf":{"track":"inbound_track","digit":"1"}}`,
  mark: `{"event":"mark","sequenceNumber":"4","streamSid":"${streamSid}","mark":{"name":"utt-1"}}`,
  stop: `{"event":"stop","sequenceNumber":"9","streamSid":"${streamSid}","stop":{"accountSid":"${accountSid}","callSid":"${callSid}"}}`,
};

function parse(text: string): TwilioMediaMessage {
  const message = parseTwilioInboundMessage(text);
  if (!message) throw new Error(`unparseable: ${text}`);
  return message;
}

describe('TwilioMediaCodec', () => {
  it('decodes the documented inbound messages into frames', () => {
    const codec = new TwilioMediaCodec();
    const frames = Object.values(wire).map((text) => codec.decode(parse(text)));
    expect(frames).toEqual([
      null,
      null,
      { kind: 'audio', payload, timestampMs: 5 },
      { kind: 'dtmf', digit: '1' },
      { kind: 'mark', name: 'utt-1' },
      { kind: 'end', reason: 'stream_stopped' },
    ]);
  });

  it('learns the streamSid from start and encodes with it', () => {
    const codec = new TwilioMediaCodec();
    expect(() => codec.encode({ kind: 'interruption' })).toThrow(/before the stream has started/);
    codec.decode(parse(wire.start));
    expect(codec.streamSid).toBe(streamSid);
    expect(codec.encode({ kind: 'interruption' })).toEqual({ event: 'clear', streamSid });
  });

  it('encodes audio as a base64 μ-law media message that decodes back to the same bytes', () => {
    const codec = new TwilioMediaCodec({ streamSid });
    const message = codec.encode({ kind: 'audio', payload });
    expect(JSON.parse(JSON.stringify(message))).toEqual({ event: 'media', streamSid, media: { payload: payload.toString('base64') } });
    // Twilio would send the same audio back as an inbound media message: bytes survive the trip.
    const inbound = parse(JSON.stringify({
      event: 'media', sequenceNumber: '7', streamSid,
      media: { track: 'inbound', chunk: '2', timestamp: '25', payload: message && 'media' in message ? message.media.payload : '' },
    }));
    expect(codec.decode(inbound)).toEqual({ kind: 'audio', payload, timestampMs: 25 });
  });

  it('encodes a mark that round-trips to the same mark frame', () => {
    const codec = new TwilioMediaCodec({ streamSid });
    const message = codec.encode({ kind: 'mark', name: 'utt-7' });
    expect(message).toEqual({ event: 'mark', streamSid, mark: { name: 'utt-7' } });
    const echoed = parse(JSON.stringify({ ...message, sequenceNumber: '12' }));
    expect(codec.decode(echoed)).toEqual({ kind: 'mark', name: 'utt-7' });
  });

  it('has no Twilio message for text, transcript, dtmf or end frames', () => {
    const codec = new TwilioMediaCodec({ streamSid });
    const frames: Frame[] = [
      { kind: 'text', text: 'hello' },
      { kind: 'transcript', text: 'hi', isFinal: true, speechFinal: true },
      { kind: 'dtmf', digit: '5' },
      { kind: 'end' },
    ];
    expect(frames.map((frame) => codec.encode(frame))).toEqual([null, null, null, null]);
  });

  it('ignores audio of any track but inbound', () => {
    const codec = new TwilioMediaCodec({ streamSid });
    const outboundTrack = wire.media.replace('"track":"inbound"', '"track":"outbound"');
    expect(codec.decode(parse(outboundTrack))).toBeNull();
  });

  it('refuses messages that are not the documented shapes', () => {
    expect(parseTwilioInboundMessage('not json')).toBeNull();
    expect(parseTwilioInboundMessage('{"event":"media","streamSid":"MZ1"}')).toBeNull();
    expect(parseTwilioInboundMessage('{"event":"dance"}')).toBeNull();
    // A media timestamp that is a number, not a string, is not what Twilio sends.
    expect(parseTwilioInboundMessage(wire.media.replace('"timestamp":"5"', '"timestamp":5'))).toBeNull();
  });
});

describe('the fast path for media messages', () => {
  it('accepts and refuses exactly what the media schema does', async () => {
    const { twilioMediaMessageSchema } = await import('./protocol.js');
    const valid = { event: 'media', sequenceNumber: '3', streamSid: 'MZ1', media: { track: 'inbound', chunk: '1', timestamp: '5', payload: 'AAAA' } };
    const variants: unknown[] = [
      valid,
      { ...valid, extra: true },
      { ...valid, sequenceNumber: 3 },
      { ...valid, sequenceNumber: '3a' },
      { ...valid, streamSid: undefined },
      { ...valid, media: null },
      { ...valid, media: { ...valid.media, chunk: 1 } },
      { ...valid, media: { ...valid.media, timestamp: '-5' } },
      { ...valid, media: { ...valid.media, payload: undefined } },
      { ...valid, media: { ...valid.media, track: 7 } },
    ];
    for (const variant of variants) {
      const bySchema = twilioMediaMessageSchema.safeParse(variant).success;
      expect(parseTwilioInboundMessage(JSON.stringify(variant)) !== null, JSON.stringify(variant)).toBe(bySchema);
    }
  });
});
