/** The soak benchmark's model, in its own process: a short goodbye that ends the call, and a JSON analysis. */
import { FAKE_OPENAI_KEY, startFakeOpenAi } from '../test/fakes/openai/server.js';

const fake = await startFakeOpenAi({
  apiKey: FAKE_OPENAI_KEY,
  firstTokenDelayMs: 5,
  chunkDelayMs: 1,
  handler: (request) => {
    const body = request.body as { response_format?: unknown };
    if (body.response_format) return { text: [JSON.stringify({ summary: 'The contact wants a quote.', outcome: { interested: true, budget: null }, tags: ['hot_lead'] })] };
    return { text: ['Thank you', ', goodbye!'], toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":"done"}'] }] };
  },
});
process.send?.({ baseUrl: fake.baseUrl });
process.on('message', (message) => {
  if (message === 'stop') void fake.close().then(() => process.exit(0));
});
