/** Runs the fake OpenAI-compatible server in its own process, so a benchmark measures only Parley. */
import { FAKE_OPENAI_KEY, startFakeOpenAi } from '../test/fakes/openai/server.js';

const firstTokenDelayMs = Number(process.env.FAKE_FIRST_TOKEN_MS ?? 40);
const fake = await startFakeOpenAi({
  apiKey: FAKE_OPENAI_KEY,
  firstTokenDelayMs,
  chunkDelayMs: Number(process.env.FAKE_CHUNK_MS ?? 5),
  handler: () => ({ text: ['Sure, I can help with that.', ' Let me check', ' the details for you.'] }),
});
process.send?.({ baseUrl: fake.baseUrl });
process.on('message', (message) => {
  if (message === 'stop') void fake.close().then(() => process.exit(0));
});
