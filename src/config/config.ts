/** The only reader of process.env: a zod schema over the environment -> typed Config. */
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const flag = z
  .string()
  .optional()
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PARLEY_DATA_DIR: z.string().default('./.parley'),
  DATABASE_URL: optionalString,
  PARLEY_INIT_API_KEY: optionalString,
  PARLEY_SIM_SPEED: z.coerce.number().positive().max(1000).default(1),
  PARLEY_SIM_AUDIO: flag,
  PARLEY_MAX_CONCURRENT_CALLS: z.coerce.number().int().min(1).max(10_000).default(10),
  PARLEY_MAX_EVENT_STREAMS: z.coerce.number().int().min(1).max(100_000).default(100),
  PARLEY_MAX_CHATS: z.coerce.number().int().min(1).max(100_000).default(100),
  PARLEY_PUBLIC_URL: optionalString,
  PARLEY_ENCRYPTION_KEY: optionalString,
  PARLEY_WORKER: z.enum(['on', 'off']).default('on'),
  PARLEY_ANALYSIS_RETRY_DELAY_S: z.coerce.number().int().min(1).max(3600).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString,
  PARLEY_LLM_MODEL: optionalString,
  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_API_BASE_URL: optionalString,
  DEEPGRAM_API_KEY: optionalString,
  DEEPGRAM_BASE_URL: optionalString,
  ELEVENLABS_API_KEY: optionalString,
  ELEVENLABS_BASE_URL: optionalString,
  CARTESIA_API_KEY: optionalString,
  CARTESIA_BASE_URL: optionalString,
  PARLEY_WEBHOOK_ALLOW_PRIVATE: flag,
  PARLEY_RECORDINGS_DIR: optionalString,
  PARLEY_RECORDING_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  PARLEY_RECORDINGS_S3_BUCKET: optionalString,
  PARLEY_RECORDINGS_S3_REGION: z.string().trim().min(1).default('us-east-1'),
  PARLEY_RECORDINGS_S3_ENDPOINT: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  PARLEY_RECORDINGS_S3_PREFIX: optionalString,
  PARLEY_RECORDINGS_S3_FORCE_PATH_STYLE: z.enum(['true', 'false', '1', '0']).optional(),
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  AWS_SESSION_TOKEN: optionalString,
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly initApiKey: string | undefined;
  readonly simSpeed: number;
  readonly simAudio: boolean;
  readonly maxConcurrentCalls: number;
  /** Open `GET /v1/events` streams an organisation may hold on one process. */
  readonly maxEventStreams: number;
  /** Open chats (WebSockets to an agent by text) an organisation may hold on one process. */
  readonly maxChats: number;
  readonly publicUrl: string | undefined;
  readonly encryptionKey: string | undefined;
  /** Whether this process dials calls (a process may serve only the API). */
  readonly worker: boolean;
  /** First wait before a failed after-call analysis is tried again (doubling each time). */
  readonly analysisRetryDelayS: number;
  readonly logLevel: string;
  readonly llm: {
    readonly openaiApiKey: string | undefined;
    readonly openaiBaseUrl: string | undefined;
    readonly anthropicApiKey: string | undefined;
    readonly anthropicBaseUrl: string | undefined;
    readonly defaultModel: string | undefined;
  };
  readonly twilio: {
    readonly accountSid: string | undefined;
    readonly authToken: string | undefined;
    readonly apiBaseUrl: string | undefined;
  };
  readonly speech: {
    readonly deepgramApiKey: string | undefined;
    readonly elevenlabsApiKey: string | undefined;
    readonly cartesiaApiKey: string | undefined;
    /** Vendor WebSocket bases (a self-hosted or regional endpoint); the vendors' own when unset. */
    readonly deepgramBaseUrl: string | undefined;
    readonly elevenlabsBaseUrl: string | undefined;
    readonly cartesiaBaseUrl: string | undefined;
  };
  readonly webhookAllowPrivate: boolean;
  /** Where recordings are written (default: recordings/ in the data folder). */
  readonly recordingsDir: string | undefined;
  /** Recordings of calls that ended longer ago are deleted; 0 keeps them. */
  readonly recordingRetentionDays: number;
  /** An S3-compatible bucket recordings are uploaded to (the recordings folder then only spools them). */
  readonly recordingsS3: RecordingsS3Config | undefined;
}

export interface RecordingsS3Config {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly prefix: string | undefined;
  /** Bucket in the path: the default with a custom endpoint (MinIO and most self-hosted stores). */
  readonly forcePathStyle: boolean;
  /** From AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; absent: the SDK's own chain (instance roles, …). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string | undefined } | undefined;
}

/** Parses the environment; a bad value throws naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.PARLEY_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    initApiKey: e.PARLEY_INIT_API_KEY,
    simSpeed: e.PARLEY_SIM_SPEED,
    simAudio: e.PARLEY_SIM_AUDIO,
    maxConcurrentCalls: e.PARLEY_MAX_CONCURRENT_CALLS,
    maxEventStreams: e.PARLEY_MAX_EVENT_STREAMS,
    maxChats: e.PARLEY_MAX_CHATS,
    publicUrl: e.PARLEY_PUBLIC_URL,
    encryptionKey: e.PARLEY_ENCRYPTION_KEY,
    worker: e.PARLEY_WORKER === 'on',
    analysisRetryDelayS: e.PARLEY_ANALYSIS_RETRY_DELAY_S,
    logLevel: e.LOG_LEVEL,
    llm: {
      openaiApiKey: e.OPENAI_API_KEY,
      openaiBaseUrl: e.OPENAI_BASE_URL,
      anthropicApiKey: e.ANTHROPIC_API_KEY,
      anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
      defaultModel: e.PARLEY_LLM_MODEL,
    },
    twilio: { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN, apiBaseUrl: e.TWILIO_API_BASE_URL },
    speech: {
      deepgramApiKey: e.DEEPGRAM_API_KEY,
      elevenlabsApiKey: e.ELEVENLABS_API_KEY,
      cartesiaApiKey: e.CARTESIA_API_KEY,
      deepgramBaseUrl: e.DEEPGRAM_BASE_URL,
      elevenlabsBaseUrl: e.ELEVENLABS_BASE_URL,
      cartesiaBaseUrl: e.CARTESIA_BASE_URL,
    },
    webhookAllowPrivate: e.PARLEY_WEBHOOK_ALLOW_PRIVATE,
    recordingsDir: e.PARLEY_RECORDINGS_DIR,
    recordingRetentionDays: e.PARLEY_RECORDING_RETENTION_DAYS,
    recordingsS3: e.PARLEY_RECORDINGS_S3_BUCKET
      ? {
          bucket: e.PARLEY_RECORDINGS_S3_BUCKET,
          region: e.PARLEY_RECORDINGS_S3_REGION,
          endpoint: e.PARLEY_RECORDINGS_S3_ENDPOINT,
          prefix: e.PARLEY_RECORDINGS_S3_PREFIX,
          forcePathStyle: e.PARLEY_RECORDINGS_S3_FORCE_PATH_STYLE ? ['true', '1'].includes(e.PARLEY_RECORDINGS_S3_FORCE_PATH_STYLE) : e.PARLEY_RECORDINGS_S3_ENDPOINT !== undefined,
          credentials:
            e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
              ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, sessionToken: e.AWS_SESSION_TOKEN }
              : undefined,
        }
      : undefined,
  };
}
