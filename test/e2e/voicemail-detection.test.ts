/**
 * Parley's own answering-machine detector on live calls, end to end on the simulated network's
 * audio lane (PARLEY_SIM_AUDIO=1): the machine on a number ending in 3 plays a recorded greeting
 * (espeak-ng) and a 1 kHz beep; the agent's greeting is held until the verdict; the message is
 * spoken after the beep (the recording's agent channel is silent until then); the verdict is on
 * the call, its events and its webhooks. A person gets the held greeting once the verdict is human.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver/receiver.js';

let t: TestParley;
let tenant: Tenant;
let receiver: WebhookReceiver;
const folder = mkdtempSync(join(tmpdir(), 'parley-amd-'));
/** The recorded greeting (src/telephony/sim/audio/recordings/voicemail-greeting.ulaw) lasts 7.35 s, then 600 ms of quiet and a 400 ms beep. */
const greetingMs = 7350;
const beepEndsMs = greetingMs + 600 + 400;

beforeAll(async () => {
  t = await startTestParley({ env: { PARLEY_SIM_AUDIO: '1', PARLEY_SIM_SPEED: '10', PARLEY_RECORDINGS_DIR: folder, PARLEY_WEBHOOK_ALLOW_PRIVATE: '1' } });
  tenant = await t.tenant();
  const created = await tenant.request('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/placeholder' });
  receiver = await startWebhookReceiver({ secret: created.body.secret });
  await tenant.request('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { url: receiver.url });
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** RMS of one channel (0 left = callee, 1 right = agent) of the 16-bit stereo 8 kHz WAV, per 20 ms frame. */
function frameLevels(wav: Buffer, channel: 0 | 1): number[] {
  const levels: number[] = [];
  for (let start = 44; start + 160 * 4 <= wav.length; start += 160 * 4) {
    let sum = 0;
    for (let i = 0; i < 160; i++) sum += wav.readInt16LE(start + i * 4 + channel * 2) ** 2;
    levels.push(Math.sqrt(sum / 160));
  }
  return levels;
}

async function recording(callId: string): Promise<Buffer> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const call = (await tenant.request('GET', `/v1/calls/${callId}`)).body;
    if (call.recording_url) {
      const response = await fetch(`${t.url}${call.recording_url}`, { headers: { authorization: `Bearer ${tenant.key}` } });
      return Buffer.from(await response.arrayBuffer());
    }
    if (Date.now() > deadline) throw new Error('no recording');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function webhooksOf(callId: string, type: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = receiver.deliveries
      .map((delivery) => delivery.json as { type?: string; data?: { id?: string } & Record<string, unknown> })
      .find((body) => body?.type === type && body.data?.id === callId);
    if (found?.data) return found.data;
    if (Date.now() > deadline) throw new Error(`no ${type} webhook`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("Parley's answering-machine detection on the simulated audio lane", () => {
  it('hears the machine, holds the greeting, and speaks the message after the beep', async () => {
    const agent = await tenant.agent({
      greeting: 'Hello, this is Parley.',
      voicemail: { detection: 'parley', action: 'leave_message', message: 'Hi {{name}}, Parley here, please call us back.' },
      recording: { enabled: true },
    });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550103', variables: { name: 'Ana' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const ended = await tenant.waitForEnd(created.body.id, 60_000);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'voicemail_message_left', answered_by: 'machine' });
    // The greeting was never said to the machine: only the message is.
    expect(ended.transcript.filter((turn: { role: string }) => turn.role === 'agent').map((turn: { text: string }) => turn.text)).toEqual([
      'Hi Ana, Parley here, please call us back.',
    ]);
    expect(ended.amd, JSON.stringify(ended.amd)).toMatchObject({ verdict: 'machine', source: 'parley', reason: expect.any(String), message_cue: { reason: 'beep' } });
    expect(ended.amd.time_to_verdict_ms).toBeLessThan(3000);
    expect(ended.amd.message_cue.at_ms).toBeGreaterThanOrEqual(beepEndsMs - 100);

    const wav = await recording(ended.id);
    const agentLevels = frameLevels(wav, 1);
    const calleeLevels = frameLevels(wav, 0);
    const firstAgentFrame = agentLevels.findIndex((level) => level > 300);
    expect(firstAgentFrame).toBeGreaterThan(0);
    // The callee side sounded (greeting, beep) before the agent said a word; the agent starts after the beep ended.
    let lastCalleeBeforeAgent = firstAgentFrame - 1;
    while (lastCalleeBeforeAgent >= 0 && calleeLevels[lastCalleeBeforeAgent]! <= 300) lastCalleeBeforeAgent--;
    expect(lastCalleeBeforeAgent * 20).toBeGreaterThanOrEqual(beepEndsMs - 400);
    expect(firstAgentFrame * 20).toBeGreaterThanOrEqual(beepEndsMs);
    expect(firstAgentFrame).toBeGreaterThan(lastCalleeBeforeAgent);

    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    expect(events.filter((event) => event.type === 'call.amd').map((event) => event.data)).toEqual([
      expect.objectContaining({ verdict: 'machine', source: 'parley' }),
      { message_cue: expect.objectContaining({ reason: 'beep' }) },
    ]);
    expect(await webhooksOf(ended.id, 'call.answered')).toMatchObject({ answered_by: 'machine', amd: { verdict: 'machine', source: 'parley' } });
    // What changes after call.answered is a call.amd webhook: here the message cue (the verdict
    // came with call.answered). A call's deliveries go out in order: by call.completed all are in.
    await webhooksOf(ended.id, 'call.completed');
    const amdHooks = receiver.deliveries
      .map((delivery) => delivery.json as { type?: string; data?: { id?: string; amd?: Record<string, unknown> } })
      .filter((body) => body.type === 'call.amd' && body.data?.id === ended.id);
    expect(amdHooks.map((body) => body.data!.amd)).toEqual([
      expect.objectContaining({ verdict: 'machine', message_cue: expect.objectContaining({ reason: 'beep' }) }),
    ]);
  });

  it('says the message again after a beep that came late: the greeting paused 4 s before it, and the message had started', async () => {
    const agent = await tenant.agent({
      greeting: 'Hello, this is Parley.',
      voicemail: { detection: 'parley', action: 'leave_message', message: 'Hi {{name}}, Parley here about your appointment on Tuesday, please call us back today.' },
      recording: { enabled: true },
    });
    const number = '+14155550123';
    const persona = await tenant.request('POST', '/v1/sim/personas', { number, machine_beep_after_ms: 4000 });
    expect(persona.status, JSON.stringify(persona.body)).toBe(201);
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: number, variables: { name: 'Ana' } });
    const ended = await tenant.waitForEnd(created.body.id, 60_000);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'voicemail_message_left', answered_by: 'machine' });
    const lateBeepEndsMs = greetingMs + 4000 + 400;
    // 1.5 s of quiet cued the message; the beep then came, and the message started again after it.
    expect(ended.amd.message_cue).toMatchObject({ reason: 'silence' });
    expect(ended.amd.message_cue.at_ms).toBeLessThan(lateBeepEndsMs - 400);
    expect(ended.amd.late_beep_at_ms).toBeGreaterThanOrEqual(lateBeepEndsMs - 100);
    const agentTurns = (ended.transcript as { role: string; text: string; interrupted?: boolean }[]).filter((turn) => turn.role === 'agent');
    expect(agentTurns).toHaveLength(2);
    expect(agentTurns[0]).toMatchObject({ interrupted: true });
    expect(agentTurns[1]).toMatchObject({ text: 'Hi Ana, Parley here about your appointment on Tuesday, please call us back today.' });
    expect(agentTurns[1]!.interrupted).toBeFalsy();
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, unknown> }[];
    expect(events.filter((event) => event.type === 'agent.interrupted').map((event) => event.data)).toEqual([{ heard_chars: expect.any(Number), by: 'beep' }]);

    // On the recording, the agent's channel sounds from the cue, before the beep, and the whole
    // message again once the beep is over (cut at its end, the first one was said over it).
    const wav = await recording(ended.id);
    const agentLevels = frameLevels(wav, 1);
    const calleeLevels = frameLevels(wav, 0);
    const beepFrames = calleeLevels.map((level, i) => (level > 300 && i * 20 >= lateBeepEndsMs - 500 ? i : -1)).filter((i) => i >= 0);
    expect(beepFrames.length).toBeGreaterThan(0);
    const beepEnd = beepFrames.at(-1)!;
    expect(agentLevels.slice(0, beepEnd).some((level) => level > 300)).toBe(true);
    // The second message lasts about 5.3 s (82 characters), all of it after the beep; the first was cut
    // at the beep's end, 3.2 s after the cue.
    expect(agentLevels.slice(beepEnd + 1).filter((level) => level > 300).length * 20).toBeGreaterThan(4000);
  });

  it('hangs up on the machine at its verdict, ending voicemail with the verdict on the webhook', async () => {
    const agent = await tenant.agent({ greeting: 'Hello, this is Parley.', voicemail: { detection: 'parley', action: 'hang_up' } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550113' });
    const ended = await tenant.waitForEnd(created.body.id, 60_000);
    expect(ended).toMatchObject({ status: 'voicemail', end_reason: 'voicemail_detected', answered_by: 'machine', transcript: [] });
    expect(ended.amd).toMatchObject({ verdict: 'machine', source: 'parley' });
    // Hung up at the verdict, long before the greeting ended.
    expect(ended.duration_s).toBeLessThan(greetingMs / 1000);
    expect(await webhooksOf(ended.id, 'call.voicemail')).toMatchObject({ status: 'voicemail', amd: { verdict: 'machine', source: 'parley' } });
  });

  it("gives its verdict by the agent's max_verdict_ms: the machine still talking at 1.5 s is called then", async () => {
    const agent = await tenant.agent({ greeting: 'Hello, this is Parley.', voicemail: { detection: 'parley', action: 'hang_up', max_verdict_ms: 1500 } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550113' });
    const ended = await tenant.waitForEnd(created.body.id, 60_000);
    expect(ended).toMatchObject({ status: 'voicemail', answered_by: 'machine' });
    // Unbounded, this greeting is called by its length at about 1.9 s (reason long_greeting).
    expect(ended.amd).toMatchObject({ verdict: 'machine', source: 'parley', reason: 'timeout', time_to_verdict_ms: 1500 });
    const refused = await tenant.request('POST', '/v1/agents', { name: 'Carrier-bound', prompt: 'p', voicemail: { detection: 'carrier', max_verdict_ms: 1500 } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('max_verdict_ms');
  });

  it("refuses a call that leaves the voicemail message's or the disclosure's placeholders unfilled", async () => {
    const agent = await tenant.agent({
      greeting: 'Hello.', voicemail: { action: 'leave_message', message: 'Hi {{name}}, your code is {{secret_code}}.' },
      recording: { enabled: true, disclosure: 'This call with {{company}} is recorded.' },
    });
    const refused = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550113', variables: { name: 'Ana' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'VARIABLES_MISSING', details: { missing: ['secret_code', 'company'] } });
    // The call's own recording override decides whether the disclosure is said.
    const unrecorded = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550113', variables: { name: 'Ana' }, recording: { enabled: false } });
    expect(unrecorded.body.error).toMatchObject({ details: { missing: ['secret_code'] } });
    const placed = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables: { name: 'Ana', secret_code: '42', company: 'Acme' } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    await tenant.waitForEnd(placed.body.id, 60_000);
  });

  it('releases the held greeting to a person once the verdict is human', async () => {
    const agent = await tenant.agent({ greeting: 'Hi {{name}}, this is Parley.', voicemail: { detection: 'parley', action: 'hang_up' } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables: { name: 'Ana' } });
    const ended = await tenant.waitForEnd(created.body.id, 60_000);
    expect(ended).toMatchObject({ status: 'completed', answered_by: 'human' });
    expect(ended.amd).toMatchObject({ verdict: 'human', source: 'parley' });
    // The person said hello into the quiet line; the held greeting answered it.
    expect(ended.transcript.slice(0, 2).map((turn: { role: string; text: string }) => [turn.role, turn.text])).toEqual([
      ['contact', 'Hello?'],
      ['agent', 'Hi Ana, this is Parley.'],
    ]);
    expect(await webhooksOf(ended.id, 'call.answered')).toMatchObject({ answered_by: 'human', amd: { verdict: 'human', source: 'parley' } });
  });

  it('keeps the held greeting for a person still talking when it is released, and says it whole', async () => {
    const agent = await tenant.agent({ greeting: 'Hi {{name}}, this is Parley about your appointment.', voicemail: { detection: 'parley', action: 'hang_up' } });
    const number = '+14155550126';
    // Her question makes her a person (by its wording) at about 1.4 s; she talks on for 3 s more, over the greeting then released.
    await tenant.request('POST', '/v1/sim/personas', { number, opening: 'Hello, who is this? I am just walking into a meeting at the office.', replies: ['Oh right, thanks.'] });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: number, variables: { name: 'Ana' } });
    const ended = await tenant.waitForEnd(created.body.id, 60_000);
    expect(ended).toMatchObject({ status: 'completed', answered_by: 'human', amd: { verdict: 'human', reason: 'wording' } });
    const turns = ended.transcript as { role: string; text: string; offset_ms: number; interrupted?: boolean }[];
    // Her sentence began before the greeting: it did not cut the greeting, which was said whole; then her question was answered.
    expect(turns.find((turn) => turn.role === 'agent')).toEqual(expect.objectContaining({ text: 'Hi Ana, this is Parley about your appointment.' }));
    expect(turns.find((turn) => turn.role === 'agent')!.interrupted).toBeFalsy();
    expect(turns.filter((turn) => turn.role === 'contact').map((turn) => turn.text)).toContain('Hello, who is this? I am just walking into a meeting at the office.');
    // The transcript reads in time order: her words began first, though they were heard out after the greeting began.
    expect(turns.slice(0, 2).map((turn) => turn.role)).toEqual(['contact', 'agent']);
    const offsets = turns.map((turn) => turn.offset_ms);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it("lets an agent set to leave a message without one leave its own: a flow's voicemail text, after the beep", async () => {
    const agent = await tenant.agent({ kind: 'flow', template: 'appointment_confirmation', greeting: null, voicemail: { action: 'leave_message' } });
    const created = await tenant.request('POST', '/v1/calls', {
      agent_id: agent.id, to: '+14155550133', variables: { customer_name: 'Ana', appointment_date: 'Tuesday at 3 PM' },
    });
    const ended = await tenant.waitForEnd(created.body.id, 60_000);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'voicemail_message_left', answered_by: 'machine' });
    expect(ended.amd, JSON.stringify(ended.amd)).toMatchObject({ verdict: 'machine', source: 'carrier', message_cue: { reason: 'beep' } });
    const agentTurns = ended.transcript.filter((turn: { role: string }) => turn.role === 'agent');
    expect(agentTurns).toHaveLength(1);
    expect(agentTurns[0].text).toContain('Hi Ana, this is our office calling about your appointment on Tuesday at 3 PM.');
  });

  it("leaves the message on a machine even when the held greeting's own turn ended the flow (say, then end)", async () => {
    const agent = await tenant.agent({
      kind: 'flow', greeting: null,
      flow: { start: 'hi', nodes: { hi: { type: 'say', text: 'Hi {{name}}, this is Parley.', next: 'bye' }, bye: { type: 'end', text: 'Goodbye.', reason: 'done' } } },
      voicemail: { detection: 'parley', action: 'leave_message', message: 'Hi {{name}}, please call Parley back.' },
    });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550103', variables: { name: 'Ana' } });
    const ended = await tenant.waitForEnd(created.body.id, 60_000);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'voicemail_message_left', answered_by: 'machine' });
    expect(ended.transcript.map((turn: { text: string }) => turn.text)).toEqual(['Hi Ana, please call Parley back.']);
  });

  it('greets whoever answers when detection is off, the machine included', async () => {
    const agent = await tenant.agent({ greeting: 'Hello, this is Parley.', voicemail: { detection: 'off', action: 'hang_up' }, timers: { max_duration_s: 12 } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550123' });
    const ended = await tenant.waitForEnd(created.body.id, 60_000);
    expect(ended.amd).toBeNull();
    expect(ended.answered_by).not.toBe('machine');
    // The agent greeted the machine, which talked over it (a greeting does not wait for anyone).
    expect(ended.transcript[0]).toMatchObject({ role: 'agent' });
    expect('Hello, this is Parley.'.startsWith(ended.transcript[0].text.replace(/[,.]$/, ''))).toBe(true);
  });
});
