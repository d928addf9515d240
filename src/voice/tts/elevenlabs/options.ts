/** Options of the ElevenLabs streaming TTS provider. */
import { z } from 'zod';

/** Validated options; `baseUrl` points the client at a fake in tests. */
export const elevenLabsTtsOptionsSchema = z.object({
  apiKey: z.string().min(1),
  baseUrl: z.string().url().default('wss://api.elevenlabs.io'),
  /** Voice when the stream options name none (Rachel, a premade voice every account has). */
  voiceId: z.string().min(1).default('21m00Tcm4TlvDq8ikWAM'),
  /** Flash v2.5: ElevenLabs' lowest-latency model (~75 ms model time). */
  modelId: z.string().min(1).default('eleven_flash_v2_5'),
  voiceSettings: z
    .object({
      stability: z.number().min(0).max(1).optional(),
      similarity_boost: z.number().min(0).max(1).optional(),
      style: z.number().min(0).max(1).optional(),
      use_speaker_boost: z.boolean().optional(),
      speed: z.number().min(0.7).max(1.2).optional(),
    })
    .default({ stability: 0.5, similarity_boost: 0.75 }),
  /**
   * Sent as `inactivity_timeout`. The vendor's default of 20 s is shorter than a ringing phone
   * or a callee's long answer, and a socket closed for idling costs a new handshake on the
   * agent's next sentence; 180 is the most the vendor allows.
   */
  inactivityTimeoutS: z.number().int().min(1).max(180).default(180),
  connectTimeoutMs: z.number().int().min(1).default(5000),
  closeTimeoutMs: z.number().int().min(1).default(2000),
});

/** Options as given by the caller. */
export type ElevenLabsTtsOptionsInput = z.input<typeof elevenLabsTtsOptionsSchema>;
/** Options with defaults applied. */
export type ElevenLabsTtsOptions = z.output<typeof elevenLabsTtsOptionsSchema>;
