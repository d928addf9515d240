/** The process logger: pino with redaction of personal data and secrets. */
import { pino, type DestinationStream, type Logger } from 'pino';
import { safeErrorSerializer, safeRequestSerializer } from './log-safety.js';

/** Field names whose values never reach a log line: phone numbers, transcripts, prompts, keys. */
export const redactedFields = [
  'to', 'from', 'number', 'phone', 'phone_number', 'contact_number', 'text', 'transcript', 'prompt',
  'greeting', 'variables', 'apiKey', 'api_key', 'key', 'secret', 'token', 'authorization', 'password',
];

const redactPaths = [
  ...redactedFields,
  ...redactedFields.map((field) => `*.${field}`),
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
];

/** The process logger; `destination` (stdout by default) lets tests read what would be logged. */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const settings = {
    name: options.name ?? 'parley',
    level: options.level ?? 'info',
    redact: { paths: redactPaths, censor: '[redacted]' },
    // Fastify logs each request's URL and every 5xx's error through these: URLs lose hook tokens
    // and key/variable query values, database errors lose their parameters.
    serializers: { err: safeErrorSerializer, error: safeErrorSerializer, req: safeRequestSerializer },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

export type { Logger };
