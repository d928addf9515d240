/** The Twilio carrier end to end against the fake Twilio, over real HTTP and WebSocket sockets. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFrames, startTwilioHarness, type TwilioHarness } from '../../../test/fakes/twilio/harness.js';
import type { AudioFrame, Frame, MarkFrame } from '../../media/frames.js';
import type { DialRequest } from '../types.js';
import type { TwilioMediaLine } from './media-line.js';

let harness: TwilioHarness;
let sequence = 0;

beforeAll(async () => {
  harness = await startTwilioHarness();
});
afterAll(async () => {
  await harness.close();
});

function request(to: string, overrides: Partial<DialRequest> = {}): DialRequest {
  sequence += 1;
  return { callId: `call_test${sequence}`, orgId: 'org_test', to, from: '+14155550199', ringTimeoutS: 30, timeLimitS: 600, detectVoicemail: false, ...overrides };
}

/** Audio whose bytes say which frame they are, so order and loss show. */
function frames(count: number, seed: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => Buffer.alloc(160, (seed + i) % 0xfe)));
}

const isAudio = (frame: Frame): frame is AudioFrame => frame.kind === 'audio';
const isMark = (name: string) => (frame: Frame): frame is MarkFrame => frame.kind === 'mark' && frame.name === name;

async function answeredLine(dial: DialRequest): Promise<{ line: TwilioMediaLine; sid: string }> {
  const { providerCallId } = await harness.carrier.dial(dial);
  const event = await harness.waitForEvent(dial.callId, 'line');
  return { line: event.line as TwilioMediaLine, sid: providerCallId };
}

describe('Twilio carrier against the fake Twilio', () => {
  it('places a call whose TwiML streams back to Parley, and reports it in order', async () => {
    // Answer only once ringing has been reported: on Twilio the two race, the tracker orders them.
    harness.fake.script('+14155550100', { outcome: 'answer', ringMs: 60_000 });
    const dial = request('+14155550100');
    const { providerCallId: sid } = await harness.carrier.dial(dial);
    await harness.waitForEvent(dial.callId, 'ringing');
    const call = harness.fake.call(sid)!;
    call.answer();
    const line = (await harness.waitForEvent(dial.callId, 'line')).line as TwilioMediaLine;
    expect(call.request.twiml).toEqual({ streamUrl: `${harness.publicUrl.replace('http', 'ws')}/twilio/media/${dial.callId}`, parameters: { callId: dial.callId } });
    expect(call.request.statusCallback).toBe(`${harness.publicUrl}/twilio/status?callId=${dial.callId}`);
    expect(call.request.statusCallbackEvents).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(line.stream).toMatchObject({ callSid: sid, callId: dial.callId, accountSid: harness.fake.accountSid, tracks: ['inbound'] });

    await harness.carrier.hangUp(sid);
    expect(await harness.waitForEvent(dial.callId, 'ended')).toEqual({ type: 'ended', outcome: 'completed' });
    expect(harness.typesOf(dial.callId)).toEqual(['ringing', 'answered', 'line', 'ended']);
    expect(harness.fake.requests.at(-1)!.form).toEqual({ Status: ['completed'] });
    await call.callbacksSettled();
    expect(call.callbacks.map((cb) => [cb.params['CallStatus'], cb.responseStatus])).toEqual([
      ['initiated', 204], ['ringing', 204], ['in-progress', 204], ['completed', 204],
    ]);
  });

  it('carries callee audio in, and Parley audio out; a mark comes back once its audio has played', async () => {
    const speech = frames(3, 10);
    harness.fake.script('+14155550110', { outcome: 'answer', speech: [{ atMs: 40, audio: speech }] });
    const { line, sid } = await answeredLine(request('+14155550110'));
    const reader = readFrames(line);
    await reader.waitFor((frame) => isAudio(frame) && frame.payload[0] === 12);
    const inbound = reader.frames.filter(isAudio);
    expect(Buffer.concat(inbound.map((frame) => frame.payload)).includes(speech)).toBe(true);
    expect(inbound.every((frame, i) => i === 0 || frame.timestampMs! - inbound[i - 1]!.timestampMs! === 20)).toBe(true);

    const reply = frames(4, 100);
    line.send({ kind: 'audio', payload: reply });
    line.send({ kind: 'mark', name: 'utt-1' });
    expect(line.markState('utt-1')).toBe('pending');
    await reader.waitFor(isMark('utt-1'));
    const stream = harness.fake.call(sid)!.stream!;
    expect(stream.heardAudio().equals(reply)).toBe(true);
    const echoed = stream.marks.find((mark) => mark.name === 'utt-1')!;
    // Four 20 ms frames must have played before the echo.
    expect(echoed.atMs - stream.heard[0]!.atMs).toBeGreaterThanOrEqual(80);
    expect(line.markState('utt-1')).toBe('played');
    expect(line.lastPlayedMark).toBe('utt-1');
    expect(line.pendingMarks).toEqual([]);
    expect(stream.errors).toEqual([]);
    line.hangUp();
  });

  it('counts marks dropped by a clear as cleared, never as heard', async () => {
    const { line, sid } = await answeredLine(request('+14155550120'));
    const reader = readFrames(line);
    const stream = harness.fake.call(sid)!.stream!;
    line.send({ kind: 'audio', payload: frames(50, 1) });
    line.send({ kind: 'mark', name: 'long' });
    await harness.fake.waitFor(() => stream.heard.length >= 2);
    line.send({ kind: 'interruption' });
    await harness.fake.waitFor(() => stream.marks.find((mark) => mark.name === 'long'));
    // Nothing is queued now, so this mark echoes at once; the socket keeps order.
    line.send({ kind: 'mark', name: 'after' });
    await reader.waitFor(isMark('after'));

    expect(stream.clears).toHaveLength(1);
    expect(stream.clears[0]!.marks).toEqual(['long']);
    expect(stream.marks.find((mark) => mark.name === 'long')!.cleared).toBe(true);
    expect(line.markState('long')).toBe('cleared');
    expect(reader.frames.some(isMark('long'))).toBe(false);
    expect(stream.heard.length).toBeLessThan(50);
    expect(stream.heardAudio().length + stream.clears[0]!.droppedBytes).toBe(50 * 160);
    expect(line.stats()).toMatchObject({ marksSent: 2, marksPlayed: 1, marksCleared: 1, clearsSent: 1, outboundAudioBytes: 8000 });
    line.hangUp();
  });

  it('passes key presses on as dtmf frames', async () => {
    harness.fake.script('+14155550130', { outcome: 'answer', dtmf: [{ atMs: 40, digit: '7' }] });
    const { line } = await answeredLine(request('+14155550130'));
    const reader = readFrames(line);
    expect(await reader.waitFor((frame) => frame.kind === 'dtmf')).toEqual({ kind: 'dtmf', digit: '7' });
    line.hangUp();
  });

  it('ends the line and the call when the callee hangs up', async () => {
    harness.fake.script('+14155550140', { outcome: 'answer', hangUpAfterMs: 100 });
    const dial = request('+14155550140');
    const { line } = await answeredLine(dial);
    const reader = readFrames(line);
    await reader.done;
    expect(reader.frames.at(-1)).toEqual({ kind: 'end', reason: 'stream_stopped' });
    expect(await harness.waitForEvent(dial.callId, 'ended')).toEqual({ type: 'ended', outcome: 'completed' });
  });

  it('ends the call when Parley hangs up the line', async () => {
    const dial = request('+14155550150');
    const { line, sid } = await answeredLine(dial);
    line.hangUp();
    expect(await harness.waitForEvent(dial.callId, 'ended')).toEqual({ type: 'ended', outcome: 'completed' });
    expect(harness.fake.call(sid)!.status).toBe('completed');
    // No REST hang-up was needed: closing the stream ends <Connect>, the call's last verb.
    expect(harness.fake.requests.filter((req) => req.path.endsWith(`${sid}.json`))).toEqual([]);
  });

  it('reports answering-machine detection with the beep', async () => {
    harness.fake.script('+14155550160', { outcome: 'answer', ringMs: 60_000, answeredBy: 'machine_end_beep', amdMs: 60 });
    const dial = request('+14155550160', { detectVoicemail: true });
    const { providerCallId: sid } = await harness.carrier.dial(dial);
    await harness.waitForEvent(dial.callId, 'ringing');
    harness.fake.call(sid)!.answer();
    expect(await harness.waitForEvent(dial.callId, 'machine_detected')).toEqual({
      type: 'machine_detected', answeredBy: 'machine', beep: true, greetingEnd: 'beep', detail: 'machine_end_beep',
    });
    expect(harness.fake.call(sid)!.request).toMatchObject({
      machineDetection: 'DetectMessageEnd', asyncAmd: true,
      asyncAmdStatusCallback: `${harness.publicUrl}/twilio/status?callId=${dial.callId}&source=amd`,
    });
    await harness.carrier.hangUp(sid);
    await harness.waitForEvent(dial.callId, 'ended');
    const types = harness.typesOf(dial.callId);
    // The AMD result and the stream race each other (as on Twilio); both come after answered.
    expect(types.slice(0, 2)).toEqual(['ringing', 'answered']);
    expect(types.slice(2, 4).sort()).toEqual(['line', 'machine_detected']);
    expect(types.slice(4)).toEqual(['ended']);
  });

  it('cancels a call that is still ringing', async () => {
    harness.fake.script('+14155550170', { outcome: 'answer', ringMs: 10_000 });
    const dial = request('+14155550170');
    const { providerCallId } = await harness.carrier.dial(dial);
    await harness.waitForEvent(dial.callId, 'ringing');
    await harness.carrier.hangUp(providerCallId);
    expect(await harness.waitForEvent(dial.callId, 'ended')).toEqual({ type: 'ended', outcome: 'canceled' });
    expect(harness.fake.requests.at(-1)!.form).toEqual({ Status: ['canceled'] });
  });

  it('reports busy and failed calls', async () => {
    harness.fake.script('+14155550181', { outcome: 'busy' });
    harness.fake.script('+14155550185', { outcome: 'failed', sipResponseCode: 503 });
    const busy = request('+14155550181');
    const failed = request('+14155550185');
    await Promise.all([harness.carrier.dial(busy), harness.carrier.dial(failed)]);
    expect(await harness.waitForEvent(busy.callId, 'ended')).toEqual({ type: 'ended', outcome: 'busy' });
    expect(await harness.waitForEvent(failed.callId, 'ended')).toEqual({ type: 'ended', outcome: 'failed', reason: 'sip_503' });
    expect(harness.typesOf(busy.callId)).toEqual(['ringing', 'ended']);
    expect(harness.typesOf(failed.callId)).toEqual(['ended']);
  });
});

describe('Twilio carrier ring timeout', () => {
  let fast: TwilioHarness;
  beforeAll(async () => {
    // Ten times real speed, so a 1 s ring timeout takes 100 ms.
    fast = await startTwilioHarness({ speed: 10, defaultScript: { outcome: 'no-answer' } });
  });
  afterAll(async () => {
    await fast.close();
  });

  it('reports no_answer when nobody picks up before the ring timeout', async () => {
    const dial = request('+14155550102', { ringTimeoutS: 1 });
    const { providerCallId } = await fast.carrier.dial(dial);
    expect(await fast.waitForEvent(dial.callId, 'ended')).toEqual({ type: 'ended', outcome: 'no_answer' });
    expect(fast.fake.call(providerCallId)!.request.timeoutS).toBe(1);
    expect(fast.typesOf(dial.callId)).toEqual(['ringing', 'ended']);
  });
});
