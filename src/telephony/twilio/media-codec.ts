/** Twilio Media Streams messages <-> frames: a carrier's media is only a codec (pipecat's serializer model). */
import { assertNever } from '../../shared/errors.js';
import type { Frame } from '../../media/frames.js';
import type { MediaCodec } from '../types.js';
import type { TwilioMediaMessage, TwilioOutboundMessage } from './protocol.js';

/**
 * Decodes what Twilio sends into frames and encodes frames into the three messages Twilio
 * accepts. It learns the stream's `streamSid` from `start` unless given one up front.
 */
export class TwilioMediaCodec implements MediaCodec<TwilioMediaMessage> {
  #streamSid: string | undefined;

  constructor(options: { streamSid?: string } = {}) {
    this.#streamSid = options.streamSid;
  }

  /** The stream this codec encodes for, once known. */
  get streamSid(): string | undefined {
    return this.#streamSid;
  }

  /** connected/start carry no frame; media -> audio, dtmf -> dtmf, mark echo -> mark, stop -> end. */
  decode(message: TwilioMediaMessage): Frame | null {
    switch (message.event) {
      case 'connected':
        return null;
      case 'start':
        this.#streamSid = message.start.streamSid;
        return null;
      case 'media':
        // Outbound messages have no track; a bidirectional stream only ever sends the inbound one.
        if (!('track' in message.media) || message.media.track !== 'inbound') return null;
        return {
          kind: 'audio',
          payload: Buffer.from(message.media.payload, 'base64'),
          timestampMs: Number(message.media.timestamp),
        };
      case 'dtmf':
        return { kind: 'dtmf', digit: message.dtmf.digit };
      case 'mark':
        return { kind: 'mark', name: message.mark.name };
      case 'stop':
        return { kind: 'end', reason: 'stream_stopped' };
      case 'clear':
        return null;
      default:
        return assertNever(message);
    }
  }

  /** audio -> media, mark -> mark, interruption -> clear; every other frame has no Twilio message. */
  encode(frame: Frame): TwilioOutboundMessage | null {
    const streamSid = this.#streamSid;
    if (streamSid === undefined) throw new Error('TwilioMediaCodec cannot encode before the stream has started');
    switch (frame.kind) {
      case 'audio':
        return { event: 'media', streamSid, media: { payload: frame.payload.toString('base64') } };
      case 'mark':
        return { event: 'mark', streamSid, mark: { name: frame.name } };
      case 'interruption':
        return { event: 'clear', streamSid };
      case 'transcript':
      case 'text':
      case 'dtmf':
      case 'end':
        return null;
      default:
        return assertNever(frame);
    }
  }
}
