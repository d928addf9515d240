/**
 * Cold transfers on Twilio, end to end over loopback sockets: the agent's transfer_call updates
 * the live call with a <Dial> (caller id: the agent's number), Twilio (the fake) rings the
 * target and posts the leg's outcome to the action URL, and the call ends completed /
 * transferred with the leg on record. Warm: a second leg whispers the briefing (in the agent's
 * own voice, played from Parley) and, when the target presses 1, both legs join one Conference;
 * busy or declined brings the agent back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeScriptedSpeech, encodeScriptedSpeech } from '../../src/media/scripted-speech.js';
import { goertzelPower } from '../../src/media/goertzel.js';
import { decodeMulaw, encodeMulaw } from '../../src/media/mulaw.js';
import { parseWav } from '../../src/media/wav.js';
import type { FakeLlmScript, RecordedLlmRequest } from '../fakes/openai/server.js';
import type { FakeTwilio } from '../fakes/twilio/index.js';
import { goodbyeScript, type Tenant, type TestParley } from '../support/parley.js';
import { startTwilioStack, type TwilioStack } from '../support/twilio-stack.js';

const transferTo = (to: string, mode: 'cold' | 'warm'): FakeLlmScript => ({
  text: ['Let me transfer you to billing.'],
  toolCalls: [{ name: 'transfer_call', argumentPieces: [JSON.stringify({ to, mode, reason: 'billing' })] }],
});

describe('transfers on Twilio', () => {
  let fake: FakeTwilio;
  let stack: TwilioStack;
  let t: TestParley;
  let tenant: Tenant;
  let agentId: string;
  let script: FakeLlmScript = goodbyeScript;

  beforeAll(async () => {
    stack = await startTwilioStack();
    ({ fake, parley: t } = stack);
    // The first model reply (to the caller's request) is the transfer; anything after it the goodbye.
    t.llm!.respond((request: RecordedLlmRequest) => {
      const messages = (request.body as { messages?: { role: string; content?: unknown }[] }).messages ?? [];
      const asked = messages.some((m) => m.role === 'user' && typeof m.content === 'string' && m.content.includes('billing'));
      const answered = messages.some((m) => m.role === 'tool');
      return asked && !answered ? script : goodbyeScript;
    });
    tenant = await t.tenant();
    const agent = await tenant.request('POST', '/v1/agents', {
      name: 'Front desk', prompt: 'You route callers.', greeting: 'Hello, front desk.',
      transfer_numbers: ['+14155550180', '+14155550181', '+14155550182', '+14155550183', '+14155550184'],
    });
    agentId = agent.body.id;
    await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550143', carrier: 'twilio', agent_id: agentId });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function callAndAsk(callee: string) {
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: callee });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const placed = await fake.waitFor(() => fake.calls.find((call) => call.request.to === callee && call.stream?.state === 'open'), 15_000);
    // The agent's stream as the callee heard it (a hand-over replaces it).
    const stream = placed.stream!;
    setTimeout(() => stream.say(encodeScriptedSpeech('I have a billing question.')), 1500);
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    return { ended, placed, stream, events, types: events.map((e) => e.type) };
  }

  it('cold: updates the live call with a <Dial> from the agent’s number, and records the leg from the action callback', async () => {
    script = transferTo('+14155550180', 'cold');
    fake.script('+14155550180', { outcome: 'answer', ringMs: 50, hangUpAfterMs: 1500 });
    const { ended, placed, types } = await callAndAsk('+14155550161');
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'transferred' });
    expect(ended.transfer).toMatchObject({ to: '+14155550180', mode: 'cold', reason: 'billing', outcome: 'answered', leg_duration_s: 2 });
    // The REST update the fake received: the live call's TwiML replaced by a Dial.
    expect(placed.redirects).toHaveLength(1);
    expect(placed.redirects[0]!.dial).toMatchObject({ number: '+14155550180', callerId: '+14155550143' });
    expect(placed.redirects[0]!.dial!.action).toContain('/twilio/transfer?callId=');
    expect(placed.dials).toMatchObject([{ number: '+14155550180', status: 'completed', durationS: 2 }]);
    // The agent's max_duration_s (600 s) bounded the agent's part; the person gets Twilio's 4 h.
    expect(placed.request.timeLimitS).toBe(600);
    expect(placed.timeLimitS).toBe(14_400);
    await placed.callbacksSettled();
    const action = placed.callbacks.find((c) => c.kind === 'action')!;
    expect(action).toMatchObject({ responseStatus: 200, params: { DialCallStatus: 'completed' } });
    expect(types).toEqual(expect.arrayContaining(['call.transfer_started', 'call.transferred']));
    expect(ended.transcript.some((turn: { text: string }) => turn.text.includes('transfer you to billing'))).toBe(true);
  });

  it('cold: a call canceled while the target talks closes the transfer with it, `unknown` when Twilio never reported the leg', async () => {
    script = transferTo('+14155550182', 'cold');
    fake.script('+14155550182', { outcome: 'answer', ringMs: 50, hangUpAfterMs: 20_000 });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agentId, to: '+14155550164' });
    const placed = await fake.waitFor(() => fake.calls.find((call) => call.request.to === '+14155550164' && call.stream?.state === 'open'), 15_000);
    setTimeout(() => placed.stream?.say(encodeScriptedSpeech('I have a billing question.')), 1500);
    await fake.waitFor(() => placed.dials.find((d) => d.status === 'in-progress'), 15_000);
    expect((await tenant.request('POST', `/v1/calls/${created.body.id}/cancel`)).status).toBeLessThan(300);
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended.transfer).toMatchObject({ to: '+14155550182', mode: 'cold', outcome: 'unknown', ended_at: expect.any(String) });
    const types = ((await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string }[]).map((e) => e.type);
    expect(types).toContain('call.transferred');
  });

  it('cold: a busy target is the leg outcome, and the call ends as a failed transfer', async () => {
    script = transferTo('+14155550181', 'cold');
    fake.script('+14155550181', { outcome: 'busy', ringMs: 50 });
    const { ended, placed } = await callAndAsk('+14155550162');
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'transfer_failed', transfer: { outcome: 'busy', leg_duration_s: null } });
    expect(placed.dials).toMatchObject([{ number: '+14155550181', status: 'busy' }]);
  });

  it('warm: calls the target on a second leg, whispers the briefing in the agent\'s voice, and joins both in a conference when the target accepts', async () => {
    script = transferTo('+14155550182', 'warm');
    // The target listens to the whole briefing (several seconds of the agent's voice), presses 1, talks, hangs up.
    fake.script('+14155550182', { outcome: 'answer', ringMs: 50, gatherDigits: '1', hangUpAfterMs: 12_000 });
    const { ended, placed, stream, types, events } = await callAndAsk('+14155550164');
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'transferred' });
    expect(ended.transfer).toMatchObject({ to: '+14155550182', mode: 'warm', outcome: 'answered', leg_duration_s: expect.any(Number) });
    // The second leg: a REST create from the agent's number, whose TwiML says the briefing and asks for the key.
    const leg = fake.calls.find((call) => call.request.to === '+14155550182')!;
    expect(leg.request.from).toBe('+14155550143');
    expect(leg.request.statusCallback).toContain('source=transfer');
    expect(leg.request.twiml.gather).toMatchObject({ numDigits: 1, action: expect.stringContaining('leg=warm') });
    // The briefing is the agent's TTS (the ElevenLabs fake), which Twilio fetched from Parley and played.
    const playUrl = leg.request.twiml.gather!.play!;
    expect(playUrl).toMatch(new RegExp(`^${t.url}/twilio/transfer/briefings/[0-9a-f]{48}\\.wav$`));
    expect(leg.played).toHaveLength(1);
    expect(leg.played[0]).toMatchObject({ url: playUrl, status: 200, contentType: 'audio/wav' });
    const heard = decodeScriptedSpeech(encodeMulaw(parseWav(leg.played[0]!.body).samples));
    expect(heard).toContain('billing');
    expect(heard).toContain('Press 1 to take the call.');
    expect(events.find((e) => e.type === 'call.transfer_briefed')!.data).toMatchObject({ voice: 'agent' });
    // Once the transfer is settled the audio is gone.
    expect((await fetch(playUrl)).status).toBe(404);
    expect((await fetch(`${t.url}/twilio/transfer/briefings/${'0'.repeat(48)}.wav`)).status).toBe(404);
    await leg.callbacksSettled();
    expect(leg.callbacks.find((c) => c.kind === 'action')).toMatchObject({ responseStatus: 200, params: { Digits: '1' } });
    // Both legs were put in the same conference: the callee's call by a REST update, the target's by the Gather's answer.
    expect(placed.redirects).toHaveLength(1);
    expect(placed.redirects[0]!.conference).toMatchObject({ room: expect.stringContaining(ended.id), endOnExit: true });
    expect(leg.conference?.room).toBe(placed.redirects[0]!.conference!.room);
    expect(leg.status).toBe('completed');
    expect(types).toEqual(expect.arrayContaining(['call.transfer_started', 'call.transfer_briefed', 'call.transferred']));
    // While the target rang and heard the briefing, the callee's stream played ringback (440 + 480 Hz), not silence.
    const callee = decodeMulaw(stream.heardAudio());
    let ringing = 0;
    for (let at = 0; at + 800 <= callee.length; at += 800) {
      const [low, high, other] = [440, 480, 1000].map((hz) => goertzelPower(callee, hz, 8000, at, 800)) as [number, number, number];
      if (low > 1e6 && high > 1e6 && other < low / 100) ringing++;
    }
    expect(ringing * 100).toBeGreaterThanOrEqual(1500);
  });

  it('warm: a busy target is reported, the callee is never moved, and the agent comes back to say so', async () => {
    script = transferTo('+14155550183', 'warm');
    fake.script('+14155550183', { outcome: 'busy', ringMs: 50 });
    const { ended, placed } = await callAndAsk('+14155550165');
    expect(placed.redirects).toEqual([]);
    expect(ended.transfer).toMatchObject({ to: '+14155550183', mode: 'warm', outcome: 'busy' });
    expect(ended.end_reason).not.toBe('transferred');
    // The agent spoke again after the transfer failed: the conversation went on with the callee.
    const agentTurns = ended.transcript.filter((turn: { role: string }) => turn.role === 'agent');
    const asked = agentTurns.findIndex((turn: { text: string }) => turn.text.includes('transfer you to billing'));
    expect(agentTurns.length).toBeGreaterThan(asked + 1);
  });

  it('warm: a target who answers and declines (any key but 1) is reported declined, and the agent goes on', async () => {
    script = transferTo('+14155550184', 'warm');
    fake.script('+14155550184', { outcome: 'answer', ringMs: 50, gatherDigits: '2' });
    const { ended, placed } = await callAndAsk('+14155550166');
    expect(placed.redirects).toEqual([]);
    expect(ended.transfer).toMatchObject({ mode: 'warm', outcome: 'declined' });
    const leg = fake.calls.find((call) => call.request.to === '+14155550184')!;
    expect(leg.conference).toBeUndefined();
    expect(leg.status).toBe('completed');
  });

  it('refuses an unsigned transfer action callback', async () => {
    const response = await fetch(`${t.url}/twilio/transfer?callId=call_x`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'DialCallStatus=completed',
    });
    expect(response.status).toBe(403);
  });
});
