/** Twilio wire formats: REST call resource and errors, callback values, Media Streams messages. */
import { z } from 'zod';

/** Statuses of a Call resource and its status callbacks (`initiated` appears only in callbacks). */
export const twilioCallStatuses = [
  'queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled',
] as const;
/** One of `twilioCallStatuses`. */
export type TwilioCallStatus = (typeof twilioCallStatuses)[number];

/** Values of `AnsweredBy` from answering-machine detection. */
export const twilioAnsweredByValues = [
  'human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown',
] as const;
/** One of `twilioAnsweredByValues`. */
export type TwilioAnsweredBy = (typeof twilioAnsweredByValues)[number];

/** The status callback events Parley asks for. */
export const twilioStatusCallbackEvents = ['initiated', 'ringing', 'answered', 'completed'] as const;

/** The part of a Call resource Parley reads. */
export const twilioCallResourceSchema = z.looseObject({
  sid: z.string().regex(/^CA[0-9a-fA-F]{32}$/),
  status: z.enum(twilioCallStatuses),
  direction: z.string().optional(),
});
/** A Call resource as Twilio returns it (extra fields kept). */
export type TwilioCallResource = z.infer<typeof twilioCallResourceSchema>;

/** Twilio's REST error body. */
export const twilioErrorBodySchema = z.looseObject({
  code: z.number().int(),
  message: z.string(),
  more_info: z.string().optional(),
  status: z.number().int(),
});
/** Twilio's REST error body, parsed. */
export type TwilioErrorBody = z.infer<typeof twilioErrorBodySchema>;

// Media Streams, Twilio -> server. Every number on this wire is a string.
const numeric = z.string().regex(/^\d+$/);

/** `connected`: the first message on a new stream. */
export const twilioConnectedMessageSchema = z.looseObject({
  event: z.literal('connected'),
  protocol: z.string(),
  version: z.string(),
});

/** `start`: the stream's identifiers, tracks, format and custom parameters. */
export const twilioStartMessageSchema = z.looseObject({
  event: z.literal('start'),
  sequenceNumber: numeric,
  streamSid: z.string(),
  start: z.looseObject({
    streamSid: z.string(),
    accountSid: z.string(),
    callSid: z.string(),
    tracks: z.array(z.string()),
    customParameters: z.record(z.string(), z.string()).default({}),
    mediaFormat: z.looseObject({ encoding: z.string(), sampleRate: z.number(), channels: z.number() }),
  }),
});

/** `media`: 20 ms of base64 μ-law from the callee; `timestamp` is ms since the stream started. */
export const twilioMediaMessageSchema = z.looseObject({
  event: z.literal('media'),
  sequenceNumber: numeric,
  streamSid: z.string(),
  media: z.looseObject({ track: z.string(), chunk: numeric, timestamp: numeric, payload: z.string() }),
});

/** `dtmf`: a key the callee pressed. */
export const twilioDtmfMessageSchema = z.looseObject({
  event: z.literal('dtmf'),
  sequenceNumber: numeric,
  streamSid: z.string(),
  dtmf: z.looseObject({ track: z.string(), digit: z.string().regex(/^[0-9*#A-Da-d]$/) }),
});

/** `mark`: the echo of a mark Parley sent, once its audio played (or was cleared). */
export const twilioMarkMessageSchema = z.looseObject({
  event: z.literal('mark'),
  sequenceNumber: numeric,
  streamSid: z.string(),
  mark: z.looseObject({ name: z.string() }),
});

/** `stop`: the stream (and usually the call) is over. */
export const twilioStopMessageSchema = z.looseObject({
  event: z.literal('stop'),
  sequenceNumber: numeric,
  streamSid: z.string(),
  stop: z.looseObject({ accountSid: z.string(), callSid: z.string() }),
});

/** Any message Twilio sends on a Media Stream. */
export const twilioInboundMessageSchema = z.discriminatedUnion('event', [
  twilioConnectedMessageSchema,
  twilioStartMessageSchema,
  twilioMediaMessageSchema,
  twilioDtmfMessageSchema,
  twilioMarkMessageSchema,
  twilioStopMessageSchema,
]);
/** Any parsed message from Twilio. */
export type TwilioInboundMessage = z.infer<typeof twilioInboundMessageSchema>;
/** A parsed `start` message. */
export type TwilioStartMessage = z.infer<typeof twilioStartMessageSchema>;

// Media Streams, server -> Twilio: the only three messages Twilio accepts (anything else is 31924).
/** Audio for Twilio to play: base64 μ-law 8 kHz, no header. */
export interface TwilioOutboundMediaMessage {
  readonly event: 'media';
  readonly streamSid: string;
  readonly media: { readonly payload: string };
}
/** A mark Twilio echoes once the audio sent before it has played. */
export interface TwilioOutboundMarkMessage {
  readonly event: 'mark';
  readonly streamSid: string;
  readonly mark: { readonly name: string };
}
/** Drops the audio Twilio has buffered; pending marks come back at once. */
export interface TwilioClearMessage {
  readonly event: 'clear';
  readonly streamSid: string;
}
/** The three messages Twilio accepts from the server. */
export type TwilioOutboundMessage = TwilioOutboundMediaMessage | TwilioOutboundMarkMessage | TwilioClearMessage;

/** Every message of a Media Stream, either direction: the codec's wire type. */
export type TwilioMediaMessage = TwilioInboundMessage | TwilioOutboundMessage;

/** Parses one text frame from Twilio; null when it is not JSON or not a known message. */
export function parseTwilioInboundMessage(text: string): TwilioInboundMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  // `media` is 50 messages a second per call: checked by hand, exactly as its schema would, since
  // the schema walk costs more than the rest of the frame's handling.
  if ((json as { event?: unknown } | null)?.event === 'media') return isMediaMessage(json) ? json : null;
  const parsed = twilioInboundMessageSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

const digits = /^\d+$/;
const isNumeric = (value: unknown): boolean => typeof value === 'string' && digits.test(value);

/** The same rule as `twilioMediaMessageSchema`, without its allocations. */
function isMediaMessage(json: unknown): json is z.infer<typeof twilioMediaMessageSchema> {
  const message = json as { sequenceNumber?: unknown; streamSid?: unknown; media?: Record<string, unknown> | null };
  const media = message.media;
  return (
    isNumeric(message.sequenceNumber) &&
    typeof message.streamSid === 'string' &&
    typeof media === 'object' &&
    media !== null &&
    typeof media.track === 'string' &&
    isNumeric(media.chunk) &&
    isNumeric(media.timestamp) &&
    typeof media.payload === 'string'
  );
}
