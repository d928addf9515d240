/** Twilio carrier options: credentials, the API base URL and where Twilio reaches Parley. */
import { z } from 'zod';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Trims one trailing slash so `${publicUrl}${path}` never doubles it. */
function withoutTrailingSlash(value: string): string {
  return value.endsWith('/') ? value.slice(0, -1) : value;
}

/**
 * Twilio only reaches https and wss URLs; plain http is accepted for loopback hosts alone, where
 * a local fake (never Twilio) is on the other end.
 */
const publicUrlSchema = z
  .url({ protocol: /^https?$/ })
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || loopbackHosts.has(url.hostname);
  }, 'publicUrl must be https (http only for a loopback host)')
  .refine((value) => {
    const url = new URL(value);
    return url.search === '' && url.hash === '';
  }, 'publicUrl must not carry a query string or fragment')
  .transform(withoutTrailingSlash);

const pathSchema = z.string().regex(/^\/[A-Za-z0-9/_.-]*$/, 'a path starting with "/", no query string');

/** The options of the Twilio carrier. The server maps TWILIO_* and PARLEY_PUBLIC_URL onto them. */
export const twilioOptionsSchema = z.object({
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'an Account SID: "AC" and 32 hex digits'),
  authToken: z.string().min(1),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com').transform(withoutTrailingSlash),
  /** The base URL Twilio reaches Parley at, e.g. https://parley.example.com. */
  publicUrl: publicUrlSchema,
  statusCallbackPath: pathSchema.default('/twilio/status'),
  mediaStreamPath: pathSchema.default('/twilio/media'),
  /** Where Twilio posts a transfer `<Dial>`'s `action` callback (and takes the TwiML that follows). */
  transferActionPath: pathSchema.default('/twilio/transfer'),
  /** How long a Twilio API request may take before it counts as a connectivity failure. */
  requestTimeoutMs: z.number().int().positive().default(15_000),
  /** How long a freshly opened media WebSocket may take to send `start`. */
  streamStartTimeoutMs: z.number().int().positive().default(10_000),
});

/** Options as given (defaults optional). */
export type TwilioOptionsInput = z.input<typeof twilioOptionsSchema>;
/** Options after parsing, defaults filled. */
export type TwilioOptions = z.output<typeof twilioOptionsSchema>;

/** Parses and defaults the options; throws a ZodError naming the bad field. */
export function parseTwilioOptions(input: TwilioOptionsInput): TwilioOptions {
  return twilioOptionsSchema.parse(input);
}

/** The WebSocket base URL that matches the public URL: https -> wss (http -> ws for loopback fakes). */
export function publicWsUrl(options: Pick<TwilioOptions, 'publicUrl'>): string {
  return options.publicUrl.replace(/^http/, 'ws');
}
