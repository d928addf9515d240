/**
 * Real phone calls end to end, over loopback sockets only: Parley places the call through the
 * fake Twilio's REST API, the fake connects a real Media Streams WebSocket back to Parley and a
 * scripted caller talks (scripted speech in μ-law) and listens (decoding what was played to
 * it). Speech goes through the Deepgram, ElevenLabs and Cartesia fakes, the model through the
 * fake OpenAI server: the production clients all the way.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeScriptedSpeech } from '../../src/media/scripted-speech.js';
import { loadPhraseRecordings, phraseSentences } from '../../src/voice/session/phrase-recordings.js';
import { apologyText } from '../../src/voice/session/phrases.js';
import { ScriptedRecognizer } from '../../src/voice/stt/scripted/recognizer.js';
import { startCartesiaFake, type CartesiaFake } from '../fakes/cartesia/server.js';
import { startDeepgramFake, type DeepgramFake } from '../fakes/deepgram/server.js';
import { startElevenLabsFake, type ElevenLabsFake } from '../fakes/elevenlabs/server.js';
import type { FakeLlmScript, RecordedLlmRequest } from '../fakes/openai/server.js';
import { FakeTwilio, type FakeTwilioCall } from '../fakes/twilio/index.js';
import { goodbyeScript, startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { freePort } from '../support/twilio-stack.js';

const silence = Buffer.alloc(160, 0xff);

/**
 * The person on the phone: hears what the fake Twilio played (scripted speech, recognised with a
 * person's patience for pauses), answers each agent turn with its next reply, and can talk over
 * the agent.
 */
class ScriptedCaller {
  readonly heardTurns: string[] = [];
  private readonly ears = new ScriptedRecognizer({ endpointingMs: 600, interimResults: false });
  private processedMs = 0;
  private index = 0;
  private utterances = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly call: FakeTwilioCall,
    private readonly replies: string[],
    private readonly bargeIn?: { readonly agentTurn: number; readonly afterMs: number; readonly text: string },
  ) {
    this.timer = setInterval(() => this.listen(), 20);
  }

  /** Stops listening; what was played last is heard to its end (the agent may hang up right after it). */
  stop(): void {
    clearInterval(this.timer);
    this.listen(this.processedMs + 1000);
  }

  /** Hears every 20 ms slot the stream has played, in order; a slot with nothing played is silence. */
  private listen(untilMs = this.call.stream?.playedMs ?? 0): void {
    const stream = this.call.stream;
    if (!stream || stream.state === 'connecting') return;
    for (; this.processedMs + 20 <= untilMs; this.processedMs += 20) {
      while (stream.heard[this.index] && stream.heard[this.index]!.atMs < this.processedMs) this.index++;
      const chunk = stream.heard[this.index]?.atMs === this.processedMs ? stream.heard[this.index++]!.bytes : silence;
      for (const event of this.ears.push(chunk)) {
        if (event.type === 'speech_started') this.agentStarted();
        if (event.type === 'transcript' && event.speechFinal && event.text) this.agentSaid(event.text);
      }
    }
  }

  private agentStarted(): void {
    this.utterances++;
    const bargeIn = this.bargeIn;
    if (bargeIn && this.utterances === bargeIn.agentTurn) {
      setTimeout(() => this.call.stream?.say(encodeScriptedSpeech(bargeIn.text)), bargeIn.afterMs);
    }
  }

  private agentSaid(text: string): void {
    this.heardTurns.push(text);
    if (this.bargeIn && this.utterances === this.bargeIn.agentTurn) return;
    const reply = this.replies.shift();
    if (reply) setTimeout(() => this.call.stream?.say(encodeScriptedSpeech(reply)), 200);
  }
}

/** How many of `expected`'s words were heard (in-band decoding can drop a symbol under load). */
function wordsHeard(heard: string, expected: string): number {
  const words = new Set(heard.toLowerCase().split(/[^a-z']+/));
  return expected.toLowerCase().split(/[^a-z']+/).filter((word) => word && words.has(word)).length;
}

function lastUserMessage(request: RecordedLlmRequest): string {
  const messages = (request.body as { messages?: { role: string; content?: unknown }[] }).messages ?? [];
  const user = messages.filter((m) => m.role === 'user').at(-1);
  return typeof user?.content === 'string' ? user.content : '';
}

describe('Twilio calls through the voice pipeline', () => {
  let fake: FakeTwilio;
  let deepgram: DeepgramFake;
  let elevenlabs: ElevenLabsFake;
  let cartesia: CartesiaFake;
  let t: TestParley;
  let tenant: Tenant;
  const logLines: string[] = [];
  const scripts = new Map<string, FakeLlmScript>();

  beforeAll(async () => {
    [fake, deepgram, elevenlabs, cartesia] = await Promise.all([FakeTwilio.start(), startDeepgramFake(), startElevenLabsFake(), startCartesiaFake()]);
    const port = await freePort();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    t = await startTestParley({
      logger: pino({ level: 'warn' }, sink),
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
        CARTESIA_API_KEY: cartesia.apiKey,
        CARTESIA_BASE_URL: cartesia.url,
      },
    });
    // The model answers by what the contact last said; anything else (the goodbye, analyses) gets the goodbye.
    t.llm!.respond((request) => scripts.get(lastUserMessage(request)) ?? goodbyeScript);
    tenant = await t.tenant();
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([fake?.stop(), deepgram?.close(), elevenlabs?.close(), cartesia?.close()]);
  });

  async function twilioCall(greeting: string, callee: string, replies: string[], bargeIn?: ConstructorParameters<typeof ScriptedCaller>[2]) {
    const agent = await tenant.request('POST', '/v1/agents', { name: 'Phone agent', prompt: 'You confirm appointments.', greeting });
    expect(agent.status).toBe(201);
    const number = await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550142', carrier: 'twilio', agent_id: agent.body.id });
    expect([201, 409]).toContain(number.status);
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.body.id, to: callee, from: '+14155550142' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const placed = await fake.waitFor(() => fake.calls.find((call) => call.request.to === callee && !call.ended), 15_000);
    const caller = new ScriptedCaller(placed, replies, bargeIn);
    try {
      const ended = await tenant.waitForEnd(created.body.id, 30_000);
      return { ended, placed, caller };
    } finally {
      caller.stop();
    }
  }

  it('places the call, speaks the greeting the moment the callee answers and completes with the right transcript', async () => {
    const { ended, placed, caller } = await twilioCall('Hi Ana, this is Parley.', '+14155550160', ['Yes, that works for me.']);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'agent_ended', answered_by: expect.any(String) });
    expect(ended.transcript.map((turn: { role: string; text: string }) => [turn.role, turn.text])).toEqual([
      ['agent', 'Hi Ana, this is Parley.'],
      ['contact', 'Yes, that works for me.'],
      ['agent', 'Thank you, goodbye!'],
    ]);
    // The caller heard those two turns, the greeting first, each by its words (in-band decoding
    // can drop a symbol when a frame is late on a loaded machine). How soon it starts is a figure
    // for the benchmarks, not a timed assertion: 40 ms from stream open, measured.
    expect(caller.heardTurns).toHaveLength(2);
    expect(wordsHeard(caller.heardTurns[0]!, 'Hi Ana, this is Parley.')).toBeGreaterThanOrEqual(4);
    expect(wordsHeard(caller.heardTurns[1]!, 'Thank you, goodbye!')).toBeGreaterThanOrEqual(2);
    expect(placed.stream!.errors).toEqual([]);
    expect(placed.request.twiml.parameters).toEqual({ callId: ended.id });
    await placed.callbacksSettled();
    expect(placed.callbacks.map((c) => c.responseStatus)).toEqual(placed.callbacks.map(() => 204));
    // Speech went through the vendors' fakes: Deepgram heard the caller, ElevenLabs spoke.
    expect(deepgram.connections.some((c) => c.audioBytes > 0)).toBe(true);
    expect(elevenlabs.connections.some((c) => c.received.some((m) => m.text === 'Thank you, goodbye! '))).toBe(true);

    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, number> }[];
    const [latency] = events.filter((e) => e.type === 'agent.turn_latency').map((e) => e.data);
    expect(latency).toBeDefined();
    // Deepgram endpoints after 300 ms of silence; every later stage follows in order.
    expect(latency!.endpoint_ms).toBeGreaterThanOrEqual(280);
    expect(latency!.llm_first_token_ms).toBeGreaterThanOrEqual(latency!.endpoint_ms!);
    expect(latency!.first_audio_ms).toBeGreaterThanOrEqual(latency!.tts_first_byte_ms!);
    const call = (await tenant.request('GET', `/v1/calls/${ended.id}`)).body;
    expect(call.analysis.latency).toMatchObject({ turns: 1, stages: { first_audio_ms: { p50: latency!.first_audio_ms, p95: latency!.first_audio_ms } } });
    expect(call.analysis.latency.first_words_ms).toEqual(expect.any(Number));
  });

  it('stops when the callee barges in: clear sent, the model aborted, only the heard words kept', async () => {
    scripts.set('What is this about?', {
      text: ['I am calling about the appointment you booked for next Tuesday at three in the afternoon. ', 'I wanted to check'],
      stallAfterPieces: 2,
    });
    const { ended, placed } = await twilioCall('Hello from Parley.', '+14155550170', ['What is this about?', 'Sorry, please call me tomorrow instead.'], {
      agentTurn: 2, afterMs: 1500, text: 'Sorry, please call me tomorrow instead.',
    });
    expect(ended.status).toBe('completed');
    const turns = ended.transcript as { role: string; text: string; interrupted?: boolean }[];
    expect(turns.map((turn) => turn.role)).toEqual(['agent', 'contact', 'agent', 'contact', 'agent']);
    const cut = turns[2]!;
    expect(cut.interrupted).toBe(true);
    expect(cut.text.length).toBeGreaterThan(8);
    expect('I am calling about the appointment you booked for next Tuesday'.startsWith(cut.text)).toBe(true);
    expect(turns[3]).toMatchObject({ role: 'contact', text: 'Sorry, please call me tomorrow instead.' });
    expect(turns[4]).toMatchObject({ role: 'agent', text: 'Thank you, goodbye!' });
    // Twilio was told to clear, and what it dropped never reached the caller.
    expect(placed.stream!.clears).toHaveLength(1);
    expect(placed.stream!.clears[0]!.droppedBytes).toBeGreaterThan(0);
    // The stalled model response was abandoned (it would hold its connection open forever otherwise).
    expect(t.llm!.openResponses).toBe(0);
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data.map((e: { type: string }) => e.type);
    expect(events).toContain('agent.interrupted');
  });

  it('falls back to the next TTS when the first fails mid-call', async () => {
    elevenlabs.behaviour.dropAfterChunks = 4;
    const connectionsBefore = cartesia.connections.length;
    try {
      const { ended, caller } = await twilioCall('Hello Ana, this is Parley calling about your appointment on Tuesday.', '+14155550180', ['Yes, that works for me.']);
      expect(ended).toMatchObject({ status: 'completed', end_reason: 'agent_ended' });
      expect(cartesia.connections.length).toBeGreaterThan(connectionsBefore);
      // The callee heard the whole greeting (the sentence in progress is resent by the next
      // provider). On a busy machine the switch can leave a pause long enough for the caller's
      // ears to end a turn inside it, so the greeting is looked for in all that was heard, however
      // it was cut into turns.
      expect(caller.heardTurns.join('')).toContain('calling about your appointment on Tuesday.');
      expect(ended.transcript.at(-1)).toMatchObject({ role: 'agent', text: 'Thank you, goodbye!' });
    } finally {
      delete elevenlabs.behaviour.dropAfterChunks;
    }
  });

  it('apologises in recorded speech and ends the call when every TTS fails', async () => {
    elevenlabs.behaviour.dropAfterChunks = 4;
    cartesia.behaviour.dropAfterChunks = 4;
    try {
      const { ended, placed } = await twilioCall('Hello Ana, this is Parley calling about your appointment on Tuesday.', '+14155550185', []);
      expect(ended).toMatchObject({ status: 'failed', end_reason: 'provider_error' });
      expect(ended.transcript.at(-1)).toMatchObject({ role: 'agent', text: expect.stringContaining('technical trouble') });
      // What Twilio played to the callee holds the recorded apology, sentence by sentence, not the scripted tone.
      const recordings = loadPhraseRecordings();
      const heard = Buffer.concat(placed.stream!.heard.map((chunk) => chunk.bytes));
      for (const sentence of phraseSentences(apologyText('en'))) {
        const recording = recordings.get(sentence)!;
        expect(heard.includes(recording.subarray(0, Math.min(recording.length, 4000))), sentence).toBe(true);
      }
      const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
      expect(events.some((e) => e.type === 'voice.provider_failed' && e.data.kind === 'tts')).toBe(true);
    } finally {
      delete elevenlabs.behaviour.dropAfterChunks;
      delete cartesia.behaviour.dropAfterChunks;
    }
  });

  it('apologises and ends the call when speech recognition fails with nothing to fall back on', async () => {
    deepgram.behaviour.dropAfterAudioBytes = 8000 * 2;
    try {
      const { ended, caller } = await twilioCall('Hi, this is Parley.', '+14155550190', ['Tell me more about it please, I am listening carefully.']);
      expect(ended).toMatchObject({ status: 'failed', end_reason: 'provider_error' });
      // In-band scripted speech loses a symbol when a frame reaches the fake late (a loaded CI
      // machine): the apology is recognised by its words, not character for character.
      expect(wordsHeard(caller.heardTurns.join(' '), "we're having technical trouble on this line")).toBeGreaterThanOrEqual(6);
      const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
      expect(events.find((e) => e.type === 'voice.provider_failed')?.data).toMatchObject({ kind: 'stt', provider: 'deepgram' });
    } finally {
      delete deepgram.behaviour.dropAfterAudioBytes;
    }
  });

  it('refuses a Twilio call whose agent would speak and hear only scripted speech, naming what is missing', async () => {
    const agent = await tenant.request('POST', '/v1/agents', { name: 'Scripted', prompt: 'You confirm appointments.', greeting: 'Hi.', tts: { provider: 'scripted' }, stt: { provider: 'scripted' } });
    expect(agent.status).toBe(201);
    const number = await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550144', carrier: 'twilio', agent_id: agent.body.id });
    expect(number.status).toBe(201);
    const callsBefore = fake.calls.length;
    const refused = await tenant.request('POST', '/v1/calls', { agent_id: agent.body.id, to: '+14155550100', from: '+14155550144' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'SPEECH_NOT_CONFIGURED',
      details: { carrier: 'twilio', missing: ['speech recognition (DEEPGRAM_API_KEY)', 'speech synthesis (ELEVENLABS_API_KEY or CARTESIA_API_KEY)'] },
    });
    expect(refused.body.error.message).toContain('DEEPGRAM_API_KEY');
    const listed = await tenant.request('GET', `/v1/calls?agent_id=${agent.body.id}`);
    expect(listed.body.data).toEqual([]);
    expect(fake.calls.length).toBe(callsBefore);
  });

  it('refuses unsigned and wrongly signed Twilio requests with 403, and logs them', async () => {
    const unsigned = await fetch(`${t.url}/twilio/status?callId=call_x`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'CallSid=CA00000000000000000000000000000000&CallStatus=completed',
    });
    expect(unsigned.status).toBe(403);
    const forged = await fetch(`${t.url}/twilio/status?callId=call_x`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
      body: 'CallSid=CA00000000000000000000000000000000&CallStatus=completed',
    });
    expect(forged.status).toBe(403);
    const upgrade = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${t.url.replace('http', 'ws')}/twilio/media/call_x`);
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.on('open', () => reject(new Error('an unsigned media stream was accepted')));
      socket.on('error', () => undefined);
    });
    expect(upgrade).toBe(403);
    expect(logLines.filter((line) => line.includes('twilio status callback with an invalid signature'))).toHaveLength(2);
    expect(logLines.some((line) => line.includes('twilio media stream upgrade with an invalid signature refused'))).toBe(true);
  });
});
