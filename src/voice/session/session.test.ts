import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentAction, BrainEvent, Conversation, ConversationTurn, Cue } from '../../brain/types.js';
import { createSimClock } from '../../telephony/sim/pace.js';
import { personaDefinition, scriptedPersona } from '../../telephony/sim/personas.js';
import { SimAudioLine } from '../../telephony/sim/audio/sim-audio-line.js';
import { ScriptedRecognizer } from '../stt/scripted/recognizer.js';
import { decodeScriptedSpeech } from '../../media/scripted-speech.js';
import { createScriptedStt, type ScriptedSttOptions } from '../stt/scripted/index.js';
import { createScriptedTts, type ScriptedTtsOptions } from '../tts/scripted/index.js';
import type { Frame } from '../../media/frames.js';
import type { TransferVoice } from '../../conversation/host.js';
import { goertzelPower } from '../../media/goertzel.js';
import { decodeMulaw } from '../../media/mulaw.js';
import type { AudioLine } from '../../media/audio-line.js';
import { realClock } from './clock.js';
import type { LatencySummary } from './latency.js';
import { FramePacer } from './pacer.js';
import { VoiceSession, type SessionEnd } from './session.js';
import { resolveVoiceSettings } from './settings.js';

interface Reply {
  readonly text: readonly string[];
  /** Before the first piece (the model thinking). */
  readonly delayMs?: number;
  /** Between pieces. */
  readonly pieceMs?: number;
  readonly actions?: readonly AgentAction[];
}

/** A conversation that plays replies in order and records how it was asked and whether it was aborted. */
function scriptedConversation(replies: Reply[]) {
  const asked: { cue: Cue; turns: readonly ConversationTurn[] }[] = [];
  let aborted = 0;
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  const conversation: Conversation = {
    firstSpeaker: 'agent',
    async *respond(turns, cue, signal): AsyncIterable<BrainEvent> {
      asked.push({ cue, turns: [...turns] });
      const reply = replies.shift() ?? { text: ['Goodbye.'], actions: [{ type: 'end_call', reason: 'done' }] };
      await sleep(reply.delayMs ?? 0, signal);
      for (const [i, piece] of reply.text.entries()) {
        if (signal.aborted) {
          aborted++;
          return;
        }
        if (i > 0) await sleep(reply.pieceMs ?? 0, signal);
        if (signal.aborted) {
          aborted++;
          return;
        }
        yield { type: 'text', text: piece };
      }
      for (const action of reply.actions ?? []) yield { type: 'action', action };
    },
  };
  return { conversation, asked, aborted: () => aborted };
}

interface Harness {
  readonly line: SimAudioLine;
  readonly session: VoiceSession;
  readonly sent: Frame[];
  readonly turns: ConversationTurn[];
  readonly events: { type: string; data: Record<string, unknown> }[];
  readonly ends: SessionEnd[];
  latency: LatencySummary | undefined;
  result: SessionEnd | undefined;
  hungUp: 'agent' | 'contact' | undefined;
}

function start(options: {
  conversation: Conversation;
  persona?: Record<string, unknown>;
  agentSettings?: Record<string, unknown>;
  stt?: ScriptedSttOptions;
  tts?: ScriptedTtsOptions;
  timers?: Partial<{ silenceRepromptMs: number; inactivityTimeoutMs: number; wrapUpAtMs: number }>;
  prepareMs?: number;
  /** The callee presses a key this long after the answer. */
  dtmf?: { afterMs: number; digit: string };
  /** The callee presses these keys, each this long after the answer. */
  keys?: readonly { afterMs: number; digit: string }[];
  /** The line breaks (its socket fails) this long after the answer. */
  breaksAfterMs?: number;
  /** The carrier's side of a transfer the agent asks for. */
  transfer?: (action: AgentAction, turns: readonly ConversationTurn[], voice?: TransferVoice) => Promise<{ connected: true } | { connected: false; outcome: 'busy' }>;
  /** The recording disclosure. */
  disclosure?: string;
}): Promise<Harness> {
  const simClock = createSimClock(1);
  const h: Harness = {} as Harness;
  Object.assign(h, { sent: [], turns: [], events: [], ends: [], latency: undefined, result: undefined, hungUp: undefined });
  const clock = realClock();
  const session = new VoiceSession({
    conversation: options.conversation,
    settings: resolveVoiceSettings({ settings: options.agentSettings ?? {}, language: 'en-US' }),
    stt: createScriptedStt(options.stt),
    tts: createScriptedTts(options.tts),
    offlineTts: createScriptedTts({ id: 'offline' }),
    clock,
    pacer: new FramePacer(clock),
    timers: { silenceRepromptMs: 0, inactivityTimeoutMs: 0, wrapUpAtMs: 0, responseDelayMs: 0, ...options.timers },
    ...(options.disclosure ? { disclosure: options.disclosure } : {}),
    hooks: {
      recordTurn: async (turn) => void h.turns.push(turn),
      recordEvent: async (type, data) => void h.events.push({ type, data }),
      recordBrainEvent: async (event) => void h.events.push({ type: `agent.${event.type}`, data: { ...event } }),
      endAs: (end) => void h.ends.push(end),
      storeLatency: async (summary) => void (h.latency = summary),
      ...(options.transfer ? { transfer: options.transfer } : {}),
    },
  });
  session.prepare();
  return (async () => {
    await vi.advanceTimersByTimeAsync(options.prepareMs ?? 0);
    const line = new SimAudioLine({
      persona: scriptedPersona(personaDefinition.parse({ response_delay_ms: 300, ...options.persona })),
      callee: 'person',
      clock: simClock,
      onAgentHangUp: () => (h.hungUp ??= 'agent'),
      onContactHangUp: () => (h.hungUp ??= 'contact'),
      ears: (ear) => new ScriptedRecognizer(ear),
    });
    const send = line.send.bind(line);
    line.send = (frame) => {
      h.sent.push(frame);
      send(frame);
    };
    Object.assign(h, { line, session });
    const keys = options.keys ?? (options.dtmf ? [options.dtmf] : []);
    const tapped = keys.length > 0
      ? injecting(line, keys.map((key) => ({ afterMs: key.afterMs, frame: { kind: 'dtmf', digit: key.digit } })))
      : options.breaksAfterMs !== undefined
        ? injecting(line, [{ afterMs: options.breaksAfterMs, frame: { kind: 'end', reason: 'socket_error', failed: true } }], true)
        : line;
    void session.run(tapped).then((end) => (h.result = end));
    return h;
  })();
}

/**
 * The same line, with each frame among its frames once its `afterMs` of inbound audio has passed:
 * key presses, or (`last`) the end a broken socket's frames have, after which nothing more comes.
 */
function injecting(line: SimAudioLine, frames: readonly { afterMs: number; frame: Frame }[], last = false): AudioLine {
  const pending = [...frames].sort((a, b) => a.afterMs - b.afterMs);
  return {
    mode: 'audio',
    send: (sent) => line.send(sent),
    hangUp: () => line.hangUp(),
    frames: (async function* () {
      let audioMs = 0;
      for await (const next of line.frames) {
        yield next;
        if (next.kind === 'audio') audioMs += 20;
        while (pending[0] && audioMs >= pending[0].afterMs) {
          yield pending.shift()!.frame;
          if (last && pending.length === 0) return;
        }
      }
    })(),
  };
}

const greeting = 'Hello Ana, this is Parley calling to confirm your appointment on Tuesday at three in the afternoon.';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('VoiceSession', () => {
  it('holds a conversation: greeting, the callee answers, the agent answers and ends the call', async () => {
    const brain = scriptedConversation([
      { text: ['Hello Ana, this is Parley. ', 'Does Tuesday still work?'] },
      { text: ['Great, ', 'see you then. ', 'Goodbye!'], delayMs: 120, actions: [{ type: 'end_call', reason: 'done' }] },
    ]);
    const h = await start({ conversation: brain.conversation, persona: { replies: ['Yes, that works for me.'] } });
    await vi.advanceTimersByTimeAsync(12_000);
    expect(h.result).toEqual({ reason: 'agent_ended' });
    expect(h.hungUp).toBe('agent');
    expect(h.turns.map((t) => [t.role, t.text])).toEqual([
      ['agent', 'Hello Ana, this is Parley. Does Tuesday still work?'],
      ['contact', 'Yes, that works for me.'],
      ['agent', 'Great, see you then. Goodbye!'],
    ]);
    expect(h.turns.some((t) => t.interrupted)).toBe(false);
    expect(h.turns[1]!.offsetMs).toBeGreaterThan(h.turns[0]!.offsetMs);
    expect(brain.asked[1]!.cue).toEqual({ type: 'contact_turn' });
    expect(brain.asked[1]!.turns.map((t) => t.role)).toEqual(['agent', 'contact']);
    // Audio goes out in whole 20 ms frames, and each sentence ends with a mark.
    const audio = h.sent.filter((f) => f.kind === 'audio');
    expect(audio.every((f) => f.kind === 'audio' && f.payload.length % 160 === 0)).toBe(true);
    expect(h.sent.filter((f) => f.kind === 'mark').length).toBe(4);
    expect(h.sent.some((f) => f.kind === 'interruption')).toBe(false);
    // The callee heard every word that was sent.
    const heard = decodeScriptedSpeech(Buffer.concat(audio.map((f) => (f.kind === 'audio' ? f.payload : Buffer.alloc(0)))));
    expect(heard.replace(/\s+/g, ' ').trim()).toBe('Hello Ana, this is Parley. Does Tuesday still work? Great, see you then. Goodbye!');
    expect(h.line.stats()).toMatchObject({ underruns: 0, clears: 0 });
  });

  it('records each turn\'s latency from the end of the callee\'s speech, and p50/p95 for the call', async () => {
    const brain = scriptedConversation([
      { text: ['Hi. Shall we book it?'] },
      { text: ['Booked. ', 'Bye!'], delayMs: 150, actions: [{ type: 'end_call', reason: 'done' }] },
    ]);
    const h = await start({ conversation: brain.conversation, persona: { replies: ['Yes please.'] } });
    await vi.advanceTimersByTimeAsync(8_000);
    const latency = h.events.filter((e) => e.type === 'agent.turn_latency');
    expect(latency).toHaveLength(1);
    const stages = latency[0]!.data as Record<string, number>;
    // Endpointing is 300 ms of silence; the model thinks 150 ms; the scripted TTS answers at once.
    expect(stages.endpoint_ms).toBeGreaterThanOrEqual(300);
    expect(stages.endpoint_ms).toBeLessThan(360);
    expect(stages.llm_first_token_ms! - stages.endpoint_ms!).toBeGreaterThanOrEqual(150);
    expect(stages.first_audio_ms).toBeGreaterThanOrEqual(stages.tts_first_byte_ms!);
    expect(stages.first_audio_ms! - stages.llm_first_token_ms!).toBeLessThan(20);
    expect(h.latency).toMatchObject({ turns: 1, stages: { first_audio_ms: { p50: stages.first_audio_ms, p95: stages.first_audio_ms } } });
    // The greeting was synthesised before the line came up: it starts the moment the call is answered.
    expect(h.latency!.first_words_ms).toBeLessThan(5);
  });

  it('carries out what an interrupted turn asked for: talking over "transferring you" still transfers', async () => {
    const brain = scriptedConversation([
      { text: ['One moment please, I am transferring you to our billing team now.'], actions: [{ type: 'transfer_call', to: '+14155550110', mode: 'cold', reason: 'billing' }] },
    ]);
    const transfers: AgentAction[] = [];
    const h = await start({
      conversation: brain.conversation,
      persona: { replies: ['Okay thanks a lot.'], barge_in: { agent_turn: 1, after_ms: 1500 } },
      transfer: async (action) => (transfers.push(action), { connected: true }),
    });
    await vi.advanceTimersByTimeAsync(8_000);
    expect(h.turns[0]).toMatchObject({ role: 'agent', interrupted: true });
    expect(transfers).toEqual([expect.objectContaining({ type: 'transfer_call', to: '+14155550110', mode: 'cold' })]);
    expect(h.ends).toEqual([{ reason: 'transferred', status: 'completed' }]);
  });

  it('plays ringback while a warm transfer calls its target, and stops it the moment the transfer returns', async () => {
    const brain = scriptedConversation([
      { text: ['Let me get someone from billing for you.'], actions: [{ type: 'transfer_call', to: '+14155550110', mode: 'warm', reason: 'billing' }] },
      { text: ['Sorry, billing is busy right now.'], actions: [{ type: 'end_call', reason: 'done' }] },
    ]);
    const marks: { dialled?: number; returned?: number } = {};
    const h = await start({
      conversation: brain.conversation,
      persona: { replies: [], after_replies: 'silence' },
      transfer: async (_action, _turns, voice) => {
        voice?.dialling?.();
        marks.dialled = h.sent.length;
        await new Promise((resolve) => setTimeout(resolve, 7_000));
        marks.returned = h.sent.length;
        return { connected: false, outcome: 'busy' };
      },
    });
    await vi.advanceTimersByTimeAsync(15_000);
    expect(marks.returned).toBeGreaterThan(marks.dialled!);
    const held = h.sent.slice(marks.dialled, marks.returned).flatMap((frame) => (frame.kind === 'audio' ? [frame.payload] : []));
    const pcm = decodeMulaw(Buffer.concat(held));
    // 7 s of hold: the first cycle's 2 s of 440 + 480 Hz, 4 s quiet, and the next cycle's tone.
    expect(pcm.length / 8).toBeGreaterThanOrEqual(6_500);
    const tone = pcm.subarray(0, 16_000);
    for (const hz of [440, 480]) expect(goertzelPower(tone, hz, 8000)).toBeGreaterThan(100 * goertzelPower(tone, 1000, 8000));
    expect(goertzelPower(pcm, 440, 8000, 16_800, 14_400)).toBeLessThan(1);
    // The transfer returned: what the carrier still buffered is cleared, and the agent comes back.
    expect(h.sent.slice(marks.returned, marks.returned! + 3).map((frame) => frame.kind)).toContain('interruption');
    expect(h.turns.map((turn) => turn.text)).toEqual(['Let me get someone from billing for you.', 'Sorry, billing is busy right now.']);
  });

  it('stops talking when the callee barges in: clear sent, LLM aborted, only the heard words kept', async () => {
    const brain = scriptedConversation([
      // The model is still writing when the callee cuts in.
      { text: ['Hello Ana, this is Parley calling to confirm your appointment. ', 'It is on Tuesday at three. ', 'Please tell me if that works.'], pieceMs: 2000 },
      { text: ['Of course, ', 'what time suits you?'], actions: [{ type: 'end_call', reason: 'done' }] },
    ]);
    const h = await start({
      conversation: brain.conversation,
      persona: { replies: ['Sorry, I need to reschedule that.'], barge_in: { agent_turn: 1, after_ms: 1500 } },
    });
    await vi.advanceTimersByTimeAsync(12_000);
    expect(brain.aborted()).toBe(1);
    expect(h.sent.filter((f) => f.kind === 'interruption')).toHaveLength(1);
    expect(h.line.stats().clears).toBe(1);
    const [first, contact, second] = h.turns;
    expect(first).toMatchObject({ role: 'agent', interrupted: true });
    expect(first!.text.length).toBeGreaterThan(10);
    expect('Hello Ana, this is Parley calling to confirm your appointment.'.startsWith(first!.text)).toBe(true);
    // What the callee actually heard (decoded from the audio the carrier played) covers the kept words.
    const beforeClear = h.sent.slice(0, h.sent.findIndex((f) => f.kind === 'interruption'));
    const sentBeforeClear = beforeClear.flatMap((f) => (f.kind === 'audio' ? [f.payload] : []));
    const allSent = Buffer.concat(sentBeforeClear);
    const played = allSent.subarray(0, allSent.length - h.line.stats().framesCleared * 160);
    const heardByCallee = decodeScriptedSpeech(played).trim();
    expect(heardByCallee.startsWith(first!.text)).toBe(true);
    // The estimate may miss the word in progress, never more.
    expect(heardByCallee.length - first!.text.length).toBeLessThan(12);
    expect(contact).toMatchObject({ role: 'contact', text: 'Sorry, I need to reschedule that.' });
    expect(second).toMatchObject({ role: 'agent', text: 'Of course, what time suits you?' });
    expect(h.events.some((e) => e.type === 'agent.interrupted')).toBe(true);
  });

  it('plays the recording disclosure in full over a callee who talks at once, then lets them cut in', async () => {
    const disclosure = 'This call is recorded for quality and training purposes.';
    const brain = scriptedConversation([
      { text: ['Hello Ana, this is Parley calling to confirm your appointment on Tuesday at three.'] },
      { text: ['It is Parley, about your appointment.'], actions: [{ type: 'end_call', reason: 'done' }] },
    ]);
    const h = await start({
      conversation: brain.conversation,
      disclosure,
      // The callee starts talking 0.8 s into the disclosure and is still talking when it ends.
      persona: { replies: ['Hello? Who is this? Who is calling me at this hour of the day, and why?'], barge_in: { agent_turn: 1, after_ms: 800 } },
    });
    await vi.advanceTimersByTimeAsync(20_000);
    const [first] = h.turns;
    // Cut only once the disclosure was over: the greeting after it gives way to the callee.
    expect(first).toMatchObject({ role: 'agent', interrupted: true });
    expect(first!.text.startsWith(disclosure)).toBe(true);
    const beforeClear = h.sent.slice(0, h.sent.findIndex((f) => f.kind === 'interruption'));
    const sent = Buffer.concat(beforeClear.flatMap((f) => (f.kind === 'audio' ? [f.payload] : [])));
    const played = sent.subarray(0, sent.length - h.line.stats().framesCleared * 160);
    expect(decodeScriptedSpeech(played).trim().startsWith(disclosure)).toBe(true);
    // Said once: the next turn does not repeat it.
    expect(h.turns[2]).toMatchObject({ role: 'agent', text: 'It is Parley, about your appointment.' });
  });

  it('says the disclosure again in the next turn when a failed voice cut it short', async () => {
    const disclosure = 'This call is recorded.';
    const brain = scriptedConversation([{ text: [greeting] }]);
    const h = await start({ conversation: brain.conversation, disclosure, tts: { chunkIntervalMs: 100, failure: { category: 'server', afterAudioMs: 600 } } });
    await vi.advanceTimersByTimeAsync(10_000);
    // The voice failed 0.6 s into the disclosure: the apology (on the offline voice) leads with it.
    const agent = h.turns.filter((t) => t.role === 'agent');
    expect(agent.at(-1)!.text).toMatch(/^This call is recorded\. I'm sorry/);
  });

  it('goes on talking through a backchannel and does not answer it', async () => {
    const brain = scriptedConversation([
      { text: [greeting] },
      { text: ['Are you still there?'], actions: [{ type: 'end_call', reason: 'done' }] },
    ]);
    const h = await start({
      conversation: brain.conversation,
      persona: { replies: ['okay, yeah, sure'], barge_in: { agent_turn: 1, after_ms: 1000 }, after_replies: 'silence' },
      timers: { silenceRepromptMs: 2000 },
    });
    await vi.advanceTimersByTimeAsync(14_000);
    expect(h.sent.some((f) => f.kind === 'interruption')).toBe(false);
    expect(h.turns[0]).toEqual({ role: 'agent', text: greeting, offsetMs: expect.any(Number) });
    expect(h.turns.filter((t) => t.role === 'contact')).toEqual([]);
    expect(h.events.some((e) => e.type === 'contact.backchannel')).toBe(true);
    expect(brain.asked[1]!.cue).toMatchObject({ type: 'silence' });
  });

  it('keeps talking when interruption is disabled', async () => {
    const brain = scriptedConversation([{ text: [greeting] }, { text: ['Understood.'], actions: [{ type: 'end_call', reason: 'done' }] }]);
    const h = await start({
      conversation: brain.conversation,
      agentSettings: { interruption: { enabled: false } },
      persona: { replies: ['Wait, I have to stop you right there please.'], barge_in: { agent_turn: 1, after_ms: 1000 } },
    });
    await vi.advanceTimersByTimeAsync(14_000);
    expect(h.sent.some((f) => f.kind === 'interruption')).toBe(false);
    expect(h.turns.map((t) => [t.role, t.text])).toEqual([
      ['agent', greeting],
      ['contact', 'Wait, I have to stop you right there please.'],
      ['agent', 'Understood.'],
    ]);
  });

  it('fills a slow model\'s silence with a filler', async () => {
    const brain = scriptedConversation([
      { text: ['Hi.'] },
      { text: ['Sorry for the wait, all done.'], delayMs: 3000, actions: [{ type: 'end_call', reason: 'done' }] },
    ]);
    const h = await start({ conversation: brain.conversation, persona: { replies: ['Can you check my balance?'], after_replies: 'silence' } });
    await vi.advanceTimersByTimeAsync(12_000);
    const audio = Buffer.concat(h.sent.flatMap((f) => (f.kind === 'audio' ? [f.payload] : [])));
    expect(decodeScriptedSpeech(audio)).toContain('One moment, please.');
    // The filler is not part of what the agent said.
    expect(h.turns.at(-1)).toMatchObject({ role: 'agent', text: 'Sorry for the wait, all done.' });
    expect(h.result).toEqual({ reason: 'agent_ended' });
  });

  it('apologises with the offline voice and hangs up when the TTS fails mid-call', async () => {
    const brain = scriptedConversation([{ text: [greeting] }]);
    const h = await start({ conversation: brain.conversation, tts: { chunkIntervalMs: 100, failure: { category: 'server', afterAudioMs: 1500 } } });
    await vi.advanceTimersByTimeAsync(12_000);
    expect(h.ends).toEqual([{ reason: 'provider_error', status: 'failed' }]);
    expect(h.result).toEqual({ reason: 'provider_error', status: 'failed' });
    expect(h.events).toContainEqual({ type: 'voice.provider_failed', data: { kind: 'tts', provider: 'scripted', category: 'server' } });
    const last = h.turns.at(-1)!;
    expect(last.text).toMatch(/technical trouble/);
    const audio = Buffer.concat(h.sent.flatMap((f) => (f.kind === 'audio' ? [f.payload] : [])));
    expect(decodeScriptedSpeech(audio)).toContain("I'm sorry, we're having technical trouble");
  });

  it('apologises and hangs up when speech recognition fails', async () => {
    const brain = scriptedConversation([{ text: ['Hi there.'] }]);
    const h = await start({
      conversation: brain.conversation,
      persona: { replies: ['Tell me more about it please, I am listening.'] },
      stt: { failure: { category: 'connectivity', afterAudioMs: 2000 } },
    });
    await vi.advanceTimersByTimeAsync(12_000);
    expect(h.result).toEqual({ reason: 'provider_error', status: 'failed' });
    expect(h.events).toContainEqual({ type: 'voice.provider_failed', data: { kind: 'stt', provider: 'scripted', category: 'connectivity' } });
    expect(h.turns.at(-1)!.text).toMatch(/call you back/);
  });

  it('answers a key press with a dtmf cue', async () => {
    const brain = scriptedConversation([
      { text: ['Press 1 to confirm.'] },
      { text: ['Confirmed, goodbye.'], actions: [{ type: 'end_call', reason: 'done' }] },
    ]);
    const h = await start({ conversation: brain.conversation, persona: { replies: [], after_replies: 'silence' }, dtmf: { afterMs: 2500, digit: '1' } });
    await vi.advanceTimersByTimeAsync(8_000);
    expect(brain.asked.map((a) => a.cue)).toEqual([{ type: 'start' }, { type: 'dtmf', digits: '1' }]);
    expect(h.result).toEqual({ reason: 'agent_ended' });
  });

  it('hands the brain keys pressed one by one as one entry, ended by #, and keeps it on the transcript', async () => {
    const brain = scriptedConversation([
      { text: ['Enter your PIN, then pound.'] },
      { text: ['Thanks, goodbye.'], actions: [{ type: 'end_call', reason: 'done' }] },
    ]);
    const keys = [...'0123#'].map((digit, i) => ({ afterMs: 4000 + i * 300, digit }));
    const h = await start({ conversation: brain.conversation, persona: { replies: [], after_replies: 'silence' }, keys });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(brain.asked.map((a) => a.cue)).toEqual([{ type: 'start' }, { type: 'dtmf', digits: '0123#' }]);
    expect(brain.asked[1]!.turns.at(-1)).toMatchObject({ role: 'contact', text: '0123#', input: 'keypad' });
    expect(h.turns.filter((turn) => turn.role === 'contact')).toEqual([expect.objectContaining({ text: '0123#', input: 'keypad' })]);
    expect(h.events.filter((e) => e.type === 'contact.dtmf')).toHaveLength(5);
    expect(h.events).toContainEqual({ type: 'contact.keypad_entry', data: { keys: 5, ended_by: 'terminator' } });
    expect(h.result).toEqual({ reason: 'agent_ended' });
  });

  it('ends an entry on the number of keys the brain expects, a # right after it closing the same entry', async () => {
    const brain = scriptedConversation([
      { text: ['Press 1 to confirm.'] },
      { text: ['Confirmed.'] },
    ]);
    const conversation: Conversation = { ...brain.conversation, keysExpected: () => 1 };
    const h = await start({ conversation, persona: { replies: [], after_replies: 'silence' }, keys: [{ afterMs: 4000, digit: '1' }, { afterMs: 4200, digit: '#' }] });
    await vi.advanceTimersByTimeAsync(4_300);
    // Answered on its one key, before the # and with no pause.
    expect(brain.asked.map((a) => a.cue)).toEqual([{ type: 'start' }, { type: 'dtmf', digits: '1' }]);
    await vi.advanceTimersByTimeAsync(8_000);
    expect(brain.asked.map((a) => a.cue)).toEqual([{ type: 'start' }, { type: 'dtmf', digits: '1' }]);
    expect(h.events.filter((e) => e.type === 'contact.dtmf')).toHaveLength(2);
  });

  it('ends an entry with no # after a pause between keys', async () => {
    const brain = scriptedConversation([{ text: ['Your ZIP code?'] }, { text: ['Thanks.'] }]);
    const h = await start({ conversation: brain.conversation, persona: { replies: [], after_replies: 'silence' }, keys: [{ afterMs: 4000, digit: '9' }, { afterMs: 4400, digit: '4' }] });
    await vi.advanceTimersByTimeAsync(6_000);
    // 2 s after the last key: still one entry in progress, nothing asked yet.
    expect(brain.asked.map((a) => a.cue.type)).toEqual(['start']);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(brain.asked.map((a) => a.cue)).toEqual([{ type: 'start' }, { type: 'dtmf', digits: '94' }]);
    expect(h.events).toContainEqual({ type: 'contact.keypad_entry', data: { keys: 2, ended_by: 'pause' } });
  });

  it('stops the agent when the callee starts keying over it, as talking over it does', async () => {
    const brain = scriptedConversation([
      { text: ['Please enter your account number, which is the eight digits printed at the top of your statement, followed by the pound key.'] },
      { text: ['Thanks.'] },
    ]);
    const keys = [...'42#'].map((digit, i) => ({ afterMs: 2000 + i * 200, digit }));
    const h = await start({ conversation: brain.conversation, persona: { replies: [], after_replies: 'silence' }, keys });
    await vi.advanceTimersByTimeAsync(6_000);
    expect(h.events).toContainEqual({ type: 'agent.interrupted', data: expect.objectContaining({ by: 'keypad' }) });
    expect(h.turns[0]).toMatchObject({ role: 'agent', interrupted: true });
    expect(brain.asked.map((a) => a.cue)).toEqual([{ type: 'start' }, { type: 'dtmf', digits: '42#' }]);
  });

  it('says its words out when its interruption is off, and answers the keys typed over them after', async () => {
    const brain = scriptedConversation([
      { text: ['Please enter your account number, which is the eight digits printed at the top of your statement, followed by the pound key.'] },
      { text: ['Thanks.'] },
    ]);
    const keys = [...'42#'].map((digit, i) => ({ afterMs: 2000 + i * 200, digit }));
    const h = await start({ conversation: brain.conversation, persona: { replies: [], after_replies: 'silence' }, keys, agentSettings: { interruption: { enabled: false } } });
    await vi.advanceTimersByTimeAsync(12_000);
    expect(h.events.some((e) => e.type === 'agent.interrupted')).toBe(false);
    expect(h.turns[0]).toMatchObject({ role: 'agent' });
    expect(h.turns[0]!.interrupted).toBeUndefined();
    expect(brain.asked.map((a) => a.cue)).toEqual([{ type: 'start' }, { type: 'dtmf', digits: '42#' }]);
  });

  it("does not let a key press cut the agent's own tones half sent", async () => {
    const brain = scriptedConversation([{ text: ['One moment.'], actions: [{ type: 'send_dtmf', digits: '123456789#' }] }, { text: ['Thanks.'] }]);
    const h = await start({ conversation: brain.conversation, persona: { replies: [], after_replies: 'silence' }, keys: [{ afterMs: 2500, digit: '5' }] });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.events.find((e) => e.type === 'agent.dtmf_sent')?.data).toMatchObject({ digits: '123456789#' });
    expect(h.events.some((e) => e.type === 'agent.interrupted')).toBe(false);
    expect(brain.asked.map((a) => a.cue)).toEqual([{ type: 'start' }, { type: 'dtmf', digits: '5' }]);
  });

  it('ends as carrier_failed, not as the callee hanging up, when the line breaks', async () => {
    const brain = scriptedConversation([{ text: ['Hello, can you hear me?'] }]);
    const h = await start({ conversation: brain.conversation, persona: { replies: [], after_replies: 'silence' }, breaksAfterMs: 1500 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.result).toEqual({ reason: 'carrier_failed' });
    expect(h.ends).toEqual([{ reason: 'carrier_failed' }]);
  });

  it('re-prompts after silence and wraps up at the time limit', async () => {
    const brain = scriptedConversation([
      { text: ['Hi.'] },
      { text: ['Are you there?'] },
      { text: ['I have to go now, goodbye.'] },
    ]);
    const h = await start({
      conversation: brain.conversation,
      persona: { replies: [], after_replies: 'silence' },
      timers: { silenceRepromptMs: 3000, wrapUpAtMs: 7000 },
    });
    await vi.advanceTimersByTimeAsync(12_000);
    expect(brain.asked.map((a) => a.cue.type)).toEqual(['start', 'silence', 'wrap_up']);
    expect(h.result).toEqual({ reason: 'max_duration' });
  });
});
