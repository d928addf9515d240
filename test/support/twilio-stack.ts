/**
 * A Parley on the fake Twilio, with Deepgram and ElevenLabs fakes for its speech: what every
 * end-to-end test of a Twilio call starts. Twilio reaches Parley at its public URL, so Parley
 * listens on a known free port.
 */
import { createServer } from 'node:net';
import { startDeepgramFake, type DeepgramFake } from '../fakes/deepgram/server.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../fakes/elevenlabs/server.js';
import { FakeTwilio } from '../fakes/twilio/index.js';
import { startTestParley, type TestParley } from './parley.js';

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TwilioStack {
  readonly fake: FakeTwilio;
  readonly deepgram: DeepgramFake;
  readonly elevenlabs: ElevenLabsFake;
  readonly parley: TestParley;
  close(): Promise<void>;
}

/** `env` adds to (or overrides) the server's environment. */
export async function startTwilioStack(env: Record<string, string> = {}): Promise<TwilioStack> {
  const [fake, deepgram, elevenlabs] = await Promise.all([FakeTwilio.start(), startDeepgramFake(), startElevenLabsFake()]);
  const port = await freePort();
  const parley = await startTestParley({
    env: {
      PORT: String(port),
      PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_API_BASE_URL: fake.baseUrl,
      DEEPGRAM_API_KEY: deepgram.apiKey,
      DEEPGRAM_BASE_URL: deepgram.url,
      ELEVENLABS_API_KEY: elevenlabs.apiKey,
      ELEVENLABS_BASE_URL: elevenlabs.url,
      ...env,
    },
  });
  return {
    fake, deepgram, elevenlabs, parley,
    async close() {
      await parley.close();
      await Promise.all([fake.stop(), deepgram.close(), elevenlabs.close()]);
    },
  };
}
