/** Wire helpers of the fake Twilio, written from Twilio's docs and independent of Parley's adapter. */
import { createHmac, randomBytes } from 'node:crypto';

/** μ-law encodes silence as 0xFF. */
export const MULAW_SILENCE = 0xff;
/** One 20 ms frame of μ-law 8 kHz. */
export const FRAME_BYTES = 160;
/** The Media Streams frame duration. */
export const FRAME_MS = 20;

/** A Twilio SID: two-letter prefix and 32 hex digits. */
export function newSid(prefix: 'CA' | 'MZ' | 'AC'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by each key+value, sorted by key. */
export function signTwilio(authToken: string, url: string, params: Readonly<Record<string, string>> = {}): string {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** A form body as Twilio reads it: every key keeps all its values, in order. */
export type FormFields = Readonly<Record<string, readonly string[]>>;

/** Parses an application/x-www-form-urlencoded body. */
export function parseForm(body: string): FormFields {
  const fields: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) (fields[key] ??= []).push(value);
  return fields;
}

/** The first value of a form field. */
export function first(fields: FormFields, key: string): string | undefined {
  return fields[key]?.[0];
}

/** Twilio's REST error body. */
export interface TwilioErrorBody {
  readonly code: number;
  readonly message: string;
  readonly more_info: string;
  readonly status: number;
}

/** A Twilio error body with its docs link. */
export function twilioError(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

const e164 = /^\+[1-9]\d{6,14}$/;

/** Whether a number is E.164 (+, 7 to 15 digits, no leading zero). */
export function isE164(value: string | undefined): value is string {
  return value !== undefined && e164.test(value);
}

/** What the fake read out of a call's TwiML. */
export interface ParsedTwiml {
  readonly streamUrl: string | undefined;
  readonly parameters: Readonly<Record<string, string>>;
  /** `<Dial><Number>`: the number dialled and the Dial's attributes. */
  readonly dial?: { readonly number: string; readonly action?: string; readonly callerId?: string; readonly timeoutS: number };
  readonly hangup?: boolean;
  /** `<Gather action numDigits timeout><Say>…</Say> | <Play>url</Play></Gather>`: what is said or played, and where the keys go. */
  readonly gather?: { readonly action: string; readonly numDigits: number; readonly timeoutS: number; readonly say: string; readonly play?: string };
  /** `<Dial><Conference endConferenceOnExit>room</Conference></Dial>`. */
  readonly conference?: { readonly room: string; readonly endOnExit: boolean };
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return entities[name]!;
  });
}

function attributes(source: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const match of source.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    result[match[1]!] = unescapeXml(match[2] ?? match[3] ?? '');
  }
  return result;
}

/**
 * Reads `<Response><Connect><Stream url>` and its `<Parameter>`s the way Twilio executes them;
 * throws on TwiML that is not well-formed enough to run.
 */
export function parseTwiml(twiml: string): ParsedTwiml {
  const stack: string[] = [];
  let streamUrl: string | undefined;
  const parameters: Record<string, string> = {};
  const body = twiml.replace(/^\s*<\?xml[^>]*\?>/, '');
  for (const match of body.matchAll(/<(\/?)([A-Za-z][\w]*)([^>]*?)(\/?)>/g)) {
    const [, closing, name, attrs = '', selfClosing] = match;
    if (closing) {
      if (stack.pop() !== name) throw new Error(`TwiML: unexpected </${name}>`);
      continue;
    }
    const parent = stack[stack.length - 1];
    if (stack.length === 0 && name !== 'Response') throw new Error('TwiML: the root must be <Response>');
    const attrMap = attributes(attrs);
    if (name === 'Stream' && parent === 'Connect') streamUrl = attrMap['url'];
    if (name === 'Parameter' && parent === 'Stream' && attrMap['name'] !== undefined) {
      parameters[attrMap['name']] = attrMap['value'] ?? '';
    }
    if (!selfClosing) stack.push(name!);
  }
  if (stack.length > 0) throw new Error(`TwiML: <${stack[stack.length - 1]}> is not closed`);
  const dialMatch = /<Dial([^>]*)>\s*<Number[^>]*>([^<]*)<\/Number>\s*<\/Dial>/.exec(body);
  const dialAttrs = dialMatch ? attributes(dialMatch[1] ?? '') : {};
  const dial = dialMatch
    ? {
        number: unescapeXml(dialMatch[2]!.trim()),
        ...(dialAttrs['action'] !== undefined ? { action: dialAttrs['action'] } : {}),
        ...(dialAttrs['callerId'] !== undefined ? { callerId: dialAttrs['callerId'] } : {}),
        timeoutS: Number(dialAttrs['timeout'] ?? 30),
      }
    : undefined;
  const gatherMatch = /<Gather([^>]*)>\s*(?:<Say[^>]*>([^<]*)<\/Say>|<Play[^>]*>([^<]*)<\/Play>)?\s*<\/Gather>/.exec(body);
  const gatherAttrs = gatherMatch ? attributes(gatherMatch[1] ?? '') : {};
  const gather = gatherMatch && gatherAttrs['action'] !== undefined
    ? {
        action: gatherAttrs['action'], numDigits: Number(gatherAttrs['numDigits'] ?? 1), timeoutS: Number(gatherAttrs['timeout'] ?? 5), say: unescapeXml(gatherMatch[2] ?? ''),
        ...(gatherMatch[3] !== undefined ? { play: unescapeXml(gatherMatch[3].trim()) } : {}),
      }
    : undefined;
  const conferenceMatch = /<Dial[^>]*>\s*<Conference([^>]*)>([^<]*)<\/Conference>\s*<\/Dial>/.exec(body);
  const conference = conferenceMatch
    ? { room: unescapeXml(conferenceMatch[2]!.trim()), endOnExit: attributes(conferenceMatch[1] ?? '')['endConferenceOnExit'] === 'true' }
    : undefined;
  return {
    streamUrl, parameters, ...(dial ? { dial } : {}), ...(gather ? { gather } : {}), ...(conference ? { conference } : {}),
    // A <Hangup/> after a <Gather> runs only when the Gather times out.
    ...(/<Hangup\s*\/?>/.test(body) && !gather ? { hangup: true } : {}),
  };
}
