/**
 * send_dtmf on the voice lane: the keys play as tones in their place among the turn's words,
 * the call's events name the keys that actually played, the callee's voice does not cut tones,
 * and a line that ends while they play still closes the session.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrainEvent, Conversation } from '../../brain/types.js';
import { dtmfMulaw } from '../../media/dtmf.js';
import { DtmfDecoder } from '../../media/goertzel.js';
import { decodeMulaw } from '../../media/mulaw.js';
import { decodeScriptedSpeech, encodeScriptedSpeech } from '../../media/scripted-speech.js';
import type { Frame } from '../../media/frames.js';
import type { AudioLine } from '../../media/audio-line.js';
import { createSimClock } from '../../telephony/sim/pace.js';
import { personaDefinition, scriptedPersona } from '../../telephony/sim/personas.js';
import { SimAudioLine } from '../../telephony/sim/audio/sim-audio-line.js';
import { ScriptedRecognizer } from '../stt/scripted/recognizer.js';
import { createScriptedStt } from '../stt/scripted/index.js';
import { createScriptedTts } from '../tts/scripted/index.js';
import { realClock } from './clock.js';
import { FramePacer } from './pacer.js';
import { VoiceSession, type SessionEnd } from './session.js';
import { resolveVoiceSettings } from './settings.js';

/** Each agent turn's events in order; after the last, goodbye and hang up. */
function scripted(turns: BrainEvent[][]): Conversation {
  return {
    firstSpeaker: 'agent',
    async *respond() {
      yield* turns.shift() ?? [{ type: 'text', text: 'Goodbye.' }, { type: 'action', action: { type: 'end_call', reason: 'done' } }];
    },
  };
}

interface Harness {
  readonly line: SimAudioLine;
  readonly sent: Frame[];
  readonly events: { type: string; data: Record<string, unknown> }[];
  /** Written as the session ends. */
  readonly end: { latencyStored: boolean; result: SessionEnd | undefined };
}

/** A session on a silent simulated callee who, if `says` is given, talks after `atMs` of the call. */
async function start(conversation: Conversation, says?: { atMs: number; text: string }): Promise<Harness> {
  const clock = realClock();
  const events: Harness['events'] = [];
  const end: Harness['end'] = { latencyStored: false, result: undefined };
  const session = new VoiceSession({
    conversation,
    settings: resolveVoiceSettings({ settings: {}, language: 'en-US' }),
    stt: createScriptedStt(),
    tts: createScriptedTts(),
    offlineTts: createScriptedTts({ id: 'offline' }),
    clock,
    pacer: new FramePacer(clock),
    timers: { silenceRepromptMs: 0, inactivityTimeoutMs: 0, wrapUpAtMs: 0, responseDelayMs: 0 },
    hooks: {
      recordTurn: async () => undefined,
      recordEvent: async (type, data) => void events.push({ type, data }),
      recordBrainEvent: async () => undefined,
      endAs: () => undefined,
      storeLatency: async () => void (end.latencyStored = true),
    },
  });
  session.prepare();
  await vi.advanceTimersByTimeAsync(0);
  const line = new SimAudioLine({
    persona: scriptedPersona(personaDefinition.parse({ replies: [], after_replies: 'silence' })),
    callee: 'person',
    clock: createSimClock(1),
    onAgentHangUp: () => undefined,
    onContactHangUp: () => undefined,
    ears: (ear) => new ScriptedRecognizer(ear),
  });
  const sent: Frame[] = [];
  const send = line.send.bind(line);
  line.send = (frame) => {
    sent.push(frame);
    send(frame);
  };
  void session.run(says ? speaking(line, says.atMs, says.text) : line).then((result) => (end.result = result));
  return { line, sent, events, end };
}

/** The same line, its inbound audio replaced by the callee saying `text` from `atMs` on. */
function speaking(line: SimAudioLine, atMs: number, text: string): AudioLine {
  const speech = encodeScriptedSpeech(text);
  return {
    mode: 'audio',
    send: (frame) => line.send(frame),
    hangUp: () => line.hangUp(),
    frames: (async function* () {
      let audioMs = 0;
      let offset = 0;
      for await (const frame of line.frames) {
        if (frame.kind !== 'audio') {
          yield frame;
          continue;
        }
        audioMs += 20;
        if (audioMs <= atMs || offset >= speech.length) {
          yield frame;
          continue;
        }
        const payload = Buffer.alloc(frame.payload.length, 0xff);
        speech.copy(payload, 0, offset, offset + payload.length);
        offset += payload.length;
        yield { ...frame, payload };
      }
    })(),
  };
}

const audioSent = (h: Harness) => Buffer.concat(h.sent.flatMap((f) => (f.kind === 'audio' ? [f.payload] : [])));

function keysIn(audio: Buffer): string {
  const decoder = new DtmfDecoder();
  decoder.push(decodeMulaw(audio));
  return decoder.digits.map((d) => d.digit).join('');
}

const press = (digits: string): BrainEvent => ({ type: 'action', action: { type: 'send_dtmf', digits } });

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('send_dtmf on the voice lane', () => {
  it('plays the tones in their place: after the words said before the key press, before the words after it', async () => {
    const h = await start(
      scripted([[
        // A sentence still open when the tool is called is said before the tones.
        { type: 'text', text: 'Pressing five now' },
        press('5'),
        { type: 'text', text: 'I have pressed five.' },
        { type: 'action', action: { type: 'end_call', reason: 'done' } },
      ]]),
    );
    await vi.advanceTimersByTimeAsync(8_000);
    expect(h.end.result).toEqual({ reason: 'agent_ended' });
    const audio = audioSent(h);
    const at = audio.indexOf(dtmfMulaw('5'));
    expect(at).toBeGreaterThan(0);
    expect(decodeScriptedSpeech(audio.subarray(0, at)).trim()).toBe('Pressing five now');
    expect(decodeScriptedSpeech(audio.subarray(at)).trim()).toBe('I have pressed five.');
    expect(keysIn(audio)).toBe('5');
    expect(h.events.filter((e) => e.type === 'agent.dtmf_sent').map((e) => e.data)).toEqual([{ digits: '5', tones_ms: 200 }]);
  });

  it('closes the session when the line ends while tones play, and records only the keys that played', async () => {
    const h = await start(scripted([[{ type: 'text', text: 'One moment.' }, press('1'.repeat(64))]]));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.end.result).toBeUndefined();
    h.line.end(); // the call is cancelled 2 s into 12.8 s of tones
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.end.result).toEqual({ reason: 'contact_hung_up' });
    expect(h.end.latencyStored).toBe(true);
    const sent = h.events.filter((e) => e.type === 'agent.dtmf_sent');
    expect(sent).toHaveLength(1);
    const { digits, requested } = sent[0]!.data as { digits: string; requested: string };
    expect(requested).toBe('1'.repeat(64));
    expect(digits.length).toBeGreaterThan(5);
    expect(digits.length).toBeLessThan(20);
    expect(sent[0]!.data['tones_ms']).toSatisfy(Number.isInteger);
  });

  it('does not let the callee\'s voice cut tones that are playing (a menu talks over the keys)', async () => {
    const keys = '1234567890*#1234567890';
    const h = await start(
      scripted([[{ type: 'text', text: 'Keys.' }, press(keys)], [{ type: 'text', text: 'Okay.' }, { type: 'action', action: { type: 'end_call', reason: 'done' } }]]),
      { atMs: 1_500, text: 'For sales press one, for billing press two, for anything else stay on the line.' },
    );
    await vi.advanceTimersByTimeAsync(15_000);
    expect(h.sent.some((f) => f.kind === 'interruption')).toBe(false);
    expect(keysIn(audioSent(h))).toBe(keys);
    expect(h.events.find((e) => e.type === 'agent.dtmf_sent')?.data).toEqual({ digits: keys, tones_ms: keys.length * 200 });
    expect(h.end.result).toEqual({ reason: 'agent_ended' });
  });

  it('still presses the keys when the callee cut in over the words before them', async () => {
    const h = await start(
      scripted([
        [{ type: 'text', text: 'Let me get you through this menu, I will press four and then two for you.' }, press('42')],
        [{ type: 'text', text: 'Okay.' }, { type: 'action', action: { type: 'end_call', reason: 'done' } }],
      ]),
      { atMs: 1_000, text: 'Wait, wait, I am already here, who is this please?' },
    );
    await vi.advanceTimersByTimeAsync(15_000);
    const clearAt = h.sent.findIndex((f) => f.kind === 'interruption');
    expect(clearAt).toBeGreaterThan(0);
    const after = Buffer.concat(h.sent.slice(clearAt).flatMap((f) => (f.kind === 'audio' ? [f.payload] : [])));
    expect(keysIn(after)).toBe('42');
    expect(h.events.filter((e) => e.type === 'agent.dtmf_sent').map((e) => e.data)).toEqual([{ digits: '42', tones_ms: 400 }]);
  });
});
