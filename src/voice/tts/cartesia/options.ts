/** Options of the Cartesia streaming TTS provider. */
import { z } from 'zod';

/** Validated options; `baseUrl` points the client at a fake in tests. */
export const cartesiaTtsOptionsSchema = z.object({
  apiKey: z.string().min(1),
  baseUrl: z.string().url().default('wss://api.cartesia.ai'),
  /** API version, sent as `cartesia_version`. */
  version: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default('2025-04-16'),
  modelId: z.string().min(1).default('sonic-3'),
  /** Voice when the stream options name none; every deployment should set its own. */
  voiceId: z.string().min(1).default('694f9389-aac1-45b6-b726-9d9369183238'),
  /** ISO 639-1; a stream's BCP-47 language ('es-MX') overrides it by its first part. */
  language: z.string().min(2).default('en'),
  connectTimeoutMs: z.number().int().min(1).default(5000),
  closeTimeoutMs: z.number().int().min(1).default(2000),
});

/** Options as given by the caller. */
export type CartesiaTtsOptionsInput = z.input<typeof cartesiaTtsOptionsSchema>;
/** Options with defaults applied. */
export type CartesiaTtsOptions = z.output<typeof cartesiaTtsOptionsSchema>;
