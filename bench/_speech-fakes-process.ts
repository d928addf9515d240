/** The turn benchmark's vendors (Deepgram, ElevenLabs, an OpenAI-compatible model) in their own process. */
import { startDeepgramFake } from '../test/fakes/deepgram/server.js';
import { startElevenLabsFake } from '../test/fakes/elevenlabs/server.js';
import { FAKE_OPENAI_KEY, startFakeOpenAi } from '../test/fakes/openai/server.js';

const llmMs = Number(process.env.FAKE_LLM_MS ?? 60);
const ttsMs = Number(process.env.FAKE_TTS_MS ?? 40);
const [deepgram, elevenlabs, llm] = await Promise.all([
  startDeepgramFake(),
  startElevenLabsFake({ behaviour: { firstByteDelayMs: ttsMs } }),
  startFakeOpenAi({ apiKey: FAKE_OPENAI_KEY, handler: () => ({ text: ['Sure, booked. ', 'Anything else?'], firstTokenDelayMs: llmMs, chunkDelayMs: 10 }) }),
]);
process.send?.({
  deepgram: { apiKey: deepgram.apiKey, url: deepgram.url },
  elevenlabs: { apiKey: elevenlabs.apiKey, url: elevenlabs.url },
  llm: { baseUrl: llm.baseUrl },
});
process.on('message', (message) => {
  if (message === 'stop') void Promise.all([deepgram.close(), elevenlabs.close(), llm.close()]).then(() => process.exit(0));
});
