/**
 * The turn benchmark's vendors (Deepgram, ElevenLabs, an OpenAI-compatible model) in their own
 * process. Each model reply carries its number ("... number 7."), which the ElevenLabs fake then
 * hears as text, so the benchmark can ask, per reply, how long the fakes themselves took.
 */
import { startDeepgramFake } from '../test/fakes/deepgram/server.js';
import { startElevenLabsFake } from '../test/fakes/elevenlabs/server.js';
import { FAKE_OPENAI_KEY, startFakeOpenAi, type RecordedLlmRequest } from '../test/fakes/openai/server.js';

const llmMs = Number(process.env.FAKE_LLM_MS ?? 60);
const ttsMs = Number(process.env.FAKE_TTS_MS ?? 40);
const requests = new Map<number, RecordedLlmRequest>();
const [deepgram, elevenlabs, llm] = await Promise.all([
  startDeepgramFake({ recordMessages: false }),
  startElevenLabsFake({ behaviour: { firstByteDelayMs: ttsMs } }),
  startFakeOpenAi({
    apiKey: FAKE_OPENAI_KEY,
    handler: (request) => {
      const reply = requests.size + 1;
      requests.set(reply, request);
      return { text: [`Sure, you are booked as number ${reply}. `, 'Anything else?'], firstTokenDelayMs: llmMs, chunkDelayMs: 10 };
    },
  }),
]);

/**
 * Per reply number, what each fake took beyond its configured delay, on its own clock: the model
 * from having the whole request to writing the first token, the TTS from the flush of the
 * reply's first sentence to its first audio.
 */
function ownTimes(): Record<number, { llmMs?: number; ttsMs?: number }> {
  const times: Record<number, { llmMs?: number; ttsMs?: number }> = {};
  for (const [reply, request] of requests) {
    const { bodyAt, firstPieceAt } = request.timing;
    if (firstPieceAt !== undefined) times[reply] = { llmMs: firstPieceAt - bodyAt - llmMs };
  }
  for (const connection of elevenlabs.connections) {
    for (const generation of connection.generations) {
      const reply = Number(/number (\d+)\./.exec(generation.text)?.[1]);
      if (!times[reply] || generation.firstAudioAt === undefined) continue;
      times[reply].ttsMs = generation.firstAudioAt - generation.startedAt - ttsMs;
    }
  }
  return times;
}

process.send?.({
  deepgram: { apiKey: deepgram.apiKey, url: deepgram.url },
  elevenlabs: { apiKey: elevenlabs.apiKey, url: elevenlabs.url },
  llm: { baseUrl: llm.baseUrl },
});
process.on('message', (message) => {
  if (message === 'own-times') process.send?.({ ownTimes: ownTimes() });
  if (message === 'stop') void Promise.all([deepgram.close(), elevenlabs.close(), llm.close()]).then(() => process.exit(0));
});
