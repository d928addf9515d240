/**
 * Answering machines on Twilio, end to end over loopback sockets. Carrier detection (the default):
 * Parley asks for AsyncAmd with DetectMessageEnd; a verdict that arrives while the greeting plays
 * stops the agent at once (a `clear` on the stream), and the message waits for the greeting's end
 * (machine_end_beep | silence | other). Parley's own detection: no AMD is asked of Twilio, the
 * greeting is held while the detector hears the machine's recorded greeting, and the message
 * starts after its beep.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULAW_SILENCE } from '../../src/media/mulaw.js';
import { silenceMulaw, sineMulaw, speechLikeMulaw } from '../../src/media/signal.js';
import type { CalleeScript, FakeTwilio } from '../fakes/twilio/index.js';
import type { Tenant, TestParley } from '../support/parley.js';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver/receiver.js';
import { startTwilioStack, type TwilioStack } from '../support/twilio-stack.js';

const greeting = readFileSync(new URL('../../src/telephony/sim/audio/recordings/voicemail-greeting.ulaw', import.meta.url));
/** The machine: its recorded greeting (7.35 s) from 200 ms after the stream starts, 600 ms of quiet, a 400 ms beep. */
const machineSpeech = [{ atMs: 200, audio: Buffer.concat([greeting, Buffer.alloc(4800, MULAW_SILENCE), sineMulaw({ durationMs: 400, frequencyHz: 1000 })]) }];
const beepEndsMs = 200 + 7350 + 600 + 400;

describe('answering machines on Twilio', () => {
  let fake: FakeTwilio;
  let stack: TwilioStack;
  let t: TestParley;
  let tenant: Tenant;
  let receiver: WebhookReceiver;
  let numberIndex = 0;

  beforeAll(async () => {
    stack = await startTwilioStack({ PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' });
    ({ fake, parley: t } = stack);
    tenant = await t.tenant();
    const created = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/placeholder' });
    receiver = await startWebhookReceiver({ secret: created.body.secret });
    await tenant.request('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { url: receiver.url });
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  /** The webhooks of `callId` in the order they came; a call's deliveries go out in order, so once `last` is in, the rest are. */
  async function webhooksOf(callId: string, last: string) {
    const of = () => receiver.deliveries.map((d) => d.json as { type: string; data: Record<string, any> }).filter((body) => body.data?.id === callId);
    for (const deadline = Date.now() + 15_000; !of().some((body) => body.type === last); await new Promise((resolve) => setTimeout(resolve, 50))) {
      if (Date.now() > deadline) throw new Error(`no ${last} webhook`);
    }
    return of();
  }

  async function call(voicemail: Record<string, unknown>, script: CalleeScript, greetingText = 'Hello, this is Parley.') {
    const from = `+1415555016${numberIndex}`;
    const callee = `+1415555017${numberIndex++}`;
    const agent = await tenant.request('POST', '/v1/agents', { name: 'Reminders', prompt: 'You remind people.', greeting: greetingText, voicemail });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    await tenant.request('POST', '/v1/phone-numbers', { number: from, carrier: 'twilio', agent_id: agent.body.id });
    fake.script(callee, script);
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.body.id, to: callee, from, variables: { name: 'Ana' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const ended = await tenant.waitForEnd(created.body.id, 40_000);
    const placed = fake.calls.find((c) => c.request.to === callee)!;
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    return { ended, placed, events };
  }

  it('stops the greeting at once when AMD finds a machine mid-greeting, then leaves the message at the greeting end', async () => {
    const { ended, placed, events } = await call(
      { action: 'leave_message', message: 'Hi {{name}}, Parley here, please call us back.' },
      { outcome: 'answer', answeredBy: 'machine_end_silence', amdMs: 1200 },
      'Hello, this is Parley calling about your appointment next week. I have a few details to go over with you today, so please bear with me.',
    );
    expect(placed.request).toMatchObject({ machineDetection: 'DetectMessageEnd', asyncAmd: true });
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'voicemail_message_left', answered_by: 'machine' });
    expect(ended.amd).toMatchObject({ verdict: 'machine', source: 'carrier', reason: 'machine_end_silence', message_cue: { reason: 'silence' } });
    // The greeting was cut where AMD answered: a clear right after the verdict, the message after it.
    const stream = placed.stream!;
    expect(stream.clears.length).toBeGreaterThan(0);
    // On the stream's clock: AMD answers 1.2 s after the answer, the stream opened a little after it.
    const verdictAtMs = placed.amdPostedAtStreamMs!;
    expect(verdictAtMs).toBeGreaterThan(0);
    expect(stream.clears[0]!.atMs).toBeGreaterThanOrEqual(verdictAtMs);
    expect(stream.clears[0]!.atMs).toBeLessThan(verdictAtMs + 1800);
    const agentTurns = ended.transcript.filter((turn: { role: string }) => turn.role === 'agent');
    expect(agentTurns[0]).toMatchObject({ interrupted: true });
    expect(agentTurns.at(-1)).toMatchObject({ text: 'Hi Ana, Parley here, please call us back.' });
    expect(events.some((event) => event.type === 'call.amd' && event.data['source'] === 'carrier')).toBe(true);
  });

  it("tells a receiver the async verdict on a person with call.amd: call.answered went out before AMD decided", async () => {
    const { ended } = await call({ action: 'hang_up' }, { outcome: 'answer', answeredBy: 'human', amdMs: 2000, hangUpAfterMs: 4000 });
    expect(ended).toMatchObject({ status: 'completed', answered_by: 'human', amd: { verdict: 'human', source: 'carrier', reason: 'human' } });
    const hooks = await webhooksOf(ended.id, 'call.completed');
    const types = hooks.map((body) => body.type);
    expect(types.indexOf('call.answered')).toBeLessThan(types.indexOf('call.amd'));
    expect(hooks.find((body) => body.type === 'call.answered')!.data.amd).toBeNull();
    expect(hooks.find((body) => body.type === 'call.amd')!.data).toMatchObject({ answered_by: 'human', amd: { verdict: 'human', source: 'carrier', time_to_verdict_ms: expect.any(Number) } });
  });

  it("hangs up on a machine at Twilio's first sign of one when the agent leaves no message, ending voicemail", async () => {
    // No message to leave: AMD need not wait for the greeting's end (Enable), and machine_start
    // comes while the machine still talks (here 1.5 s in, with 7 s of greeting left).
    const { ended, placed } = await call({ action: 'hang_up' }, { outcome: 'answer', answeredBy: 'machine_end_beep', amdMs: 1500, speech: machineSpeech });
    expect(placed.request).toMatchObject({ machineDetection: 'Enable', asyncAmd: true });
    expect(ended).toMatchObject({ status: 'voicemail', end_reason: 'voicemail_detected', answered_by: 'machine' });
    expect(ended.amd).toMatchObject({ verdict: 'machine', source: 'carrier', reason: 'machine_start' });
    expect(ended.amd.message_cue ?? null).toBeNull();
    // Hung up at the verdict, long before the greeting would have ended (7.35 s).
    expect(ended.duration_s).toBeLessThan(6);
  });

  it("runs Parley's own detector instead of AMD, holding the greeting and speaking after the beep", async () => {
    const { ended, placed } = await call(
      { detection: 'parley', action: 'leave_message', message: 'Hi {{name}}, Parley here.' },
      { outcome: 'answer', answeredBy: 'machine_end_beep', speech: machineSpeech },
    );
    // No AMD asked of Twilio.
    expect(placed.request.machineDetection).toBeUndefined();
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'voicemail_message_left', answered_by: 'machine' });
    expect(ended.amd).toMatchObject({ verdict: 'machine', source: 'parley', message_cue: { reason: 'beep' } });
    expect(ended.amd.time_to_verdict_ms).toBeLessThan(3000);
    expect(ended.transcript.filter((turn: { role: string }) => turn.role === 'agent').map((turn: { text: string }) => turn.text)).toEqual(['Hi Ana, Parley here.']);
    // Nothing was played to the machine before its beep ended.
    const firstHeard = placed.stream!.heard.find((chunk) => chunk.bytes.some((byte) => byte !== MULAW_SILENCE));
    expect(firstHeard!.atMs).toBeGreaterThanOrEqual(beepEndsMs);
  });

  it("takes a second look on its own detector: a short greeting's beep after a human verdict stops the agent and leaves the message after it", async () => {
    // "Leave a message." (1.2 s of speech), 1.2 s of quiet that reads as a person waiting, then the beep.
    const shortGreeting = Buffer.concat([speechLikeMulaw({ durationMs: 1200 }), silenceMulaw(1200), sineMulaw({ durationMs: 500, frequencyHz: 1000, amplitude: 0.4 }), silenceMulaw(6000)]);
    const { ended, events } = await call(
      { detection: 'parley', action: 'leave_message', message: 'Hi {{name}}, Parley here.' },
      { outcome: 'answer', speech: [{ atMs: 200, audio: shortGreeting }] },
      'Hello, this is Parley calling about your appointment next week, with a few details to go over.',
    );
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'voicemail_message_left', answered_by: 'machine' });
    expect(ended.amd).toMatchObject({ verdict: 'machine', source: 'parley', reason: 'beep', revised: true, message_cue: { reason: 'beep' } });
    const agentTurns = ended.transcript.filter((turn: { role: string }) => turn.role === 'agent');
    // The greeting was released to the "person" and stopped at the beep (cut, or before a word of it
    // reached the line: the beep comes 0.2 s after the verdict); the message came after the beep.
    expect(agentTurns.slice(0, -1).every((turn: { interrupted?: boolean }) => turn.interrupted)).toBe(true);
    expect(agentTurns.at(-1)).toMatchObject({ text: 'Hi Ana, Parley here.' });
    // The cue is the beep's end (3.1 s into the stream), not its start (2.6 s); the detector counts
    // the frames it heard, so its clock is the stream's, to a frame.
    expect(ended.amd.message_cue.at_ms).toBeGreaterThanOrEqual(200 + 2400 + 500 - 20);
    // The message came on the cue. Turn offsets are clock time since the session saw the answer,
    // which it sees when Twilio's `start` message reaches it, after the stream's clock started (by
    // tens of milliseconds on a loaded machine; 28 ms was seen): they read a little early.
    expect(agentTurns.at(-1).offset_ms).toBeGreaterThanOrEqual(ended.amd.message_cue.at_ms - 150);
    expect(events.filter((event) => event.type === 'call.amd').map((event) => event.data['verdict'])).toEqual(['human', 'machine', undefined]);
  });
});
