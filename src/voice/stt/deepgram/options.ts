/** Options of the Deepgram live STT provider, with the defaults Parley uses on phone audio. */
import { z } from 'zod';

/** Validated options; `baseUrl` points the client at a fake in tests. */
export const deepgramSttOptionsSchema = z.object({
  apiKey: z.string().min(1),
  baseUrl: z.string().url().default('wss://api.deepgram.com'),
  model: z.string().min(1).default('nova-3'),
  language: z.string().min(1).default('en-US'),
  /** Silence after speech before `speech_final` (Deepgram `endpointing`). */
  endpointingMs: z.number().int().min(10).default(300),
  /** Gap in words before UtteranceEnd (Deepgram's minimum is 1000). */
  utteranceEndMs: z.number().int().min(1000).default(1000),
  interimResults: z.boolean().default(true),
  smartFormat: z.boolean().default(true),
  /** Idle time before a KeepAlive; Deepgram closes a stream after 10 s without data. */
  keepAliveMs: z.number().int().min(10).default(4000),
  connectTimeoutMs: z.number().int().min(1).default(5000),
  /** How long close() waits for the final results after CloseStream. */
  closeTimeoutMs: z.number().int().min(1).default(2000),
  /** Audio kept while connecting; older audio is dropped past this (10 s of μ-law). */
  maxBufferedBytes: z.number().int().min(160).default(80_000),
});

/** Options as given by the caller (defaults optional). */
export type DeepgramSttOptionsInput = z.input<typeof deepgramSttOptionsSchema>;
/** Options with every default applied. */
export type DeepgramSttOptions = z.output<typeof deepgramSttOptionsSchema>;
