/**
 * The simulated network carrying audio (PARLEY_SIM_AUDIO=1): the persona's words travel as μ-law
 * frames through the real voice session (scripted STT and TTS, no accounts), end to end from
 * POST /v1/calls to the stored transcript, latency and metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestParley, type Tenant, type TestParley } from '../support/parley.js';

describe('a call on the simulated network with audio', () => {
  let t: TestParley;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startTestParley({ env: { PARLEY_SIM_AUDIO: '1', PARLEY_SIM_SPEED: '10' } });
    tenant = await t.tenant();
  });
  afterAll(() => t?.close());

  it('completes through the voice session with the right transcript, latency and metrics', async () => {
    const agent = await tenant.agent({ greeting: 'Hi {{name}}, this is Parley about your appointment on Tuesday.' });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables: { name: 'Ana' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'agent_ended' });
    expect(ended.transcript.map((turn: { role: string; text: string }) => [turn.role, turn.text])).toEqual([
      ['agent', 'Hi Ana, this is Parley about your appointment on Tuesday.'],
      ['contact', 'Yes, that works for me.'],
      ['agent', 'Thank you, goodbye!'],
    ]);
    // The model heard the contact's words as the STT recognised them from the audio.
    const asked = t.llm!.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(asked.messages.some((m) => m.role === 'user' && m.content.includes('Yes, that works for me.'))).toBe(true);

    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data as { type: string; data: Record<string, number> }[];
    const latency = events.filter((e) => e.type === 'agent.turn_latency');
    expect(latency).toHaveLength(1);
    expect(latency[0]!.data).toMatchObject({ endpoint_ms: expect.any(Number), llm_first_token_ms: expect.any(Number), first_audio_ms: expect.any(Number) });
    const call = (await tenant.request('GET', `/v1/calls/${ended.id}`)).body;
    expect(call.analysis.latency).toMatchObject({ turns: 1, stages: { first_audio_ms: { p50: expect.any(Number), p95: expect.any(Number) } } });

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_voice_turn_latency_seconds_count\{stage="first_audio"\} [1-9]/);
    expect(metrics).toMatch(/parley_voice_first_words_seconds_count [1-9]/);
  });

  it('lets a persona barge in: the agent stops, keeps only what was heard, and answers', async () => {
    const agent = await tenant.agent({
      greeting: 'Hello, this is Parley calling to confirm your dental appointment next Tuesday at three in the afternoon with doctor Smith.',
    });
    const number = '+14155550107';
    const persona = await tenant.request('POST', '/v1/sim/personas', {
      number, replies: ['Sorry, I need to move it.'], barge_in: { agent_turn: 1, after_ms: 1500 },
    });
    expect(persona.status, JSON.stringify(persona.body)).toBe(201);
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: number });
    const ended = await tenant.waitForEnd(created.body.id, 30_000);
    expect(ended.status).toBe('completed');
    const [first, contact, last] = ended.transcript;
    expect(first).toMatchObject({ role: 'agent', interrupted: true });
    expect(first.text.length).toBeGreaterThan(5);
    expect('Hello, this is Parley calling to confirm your dental appointment'.startsWith(first.text.replace(/[,.]$/, ''))).toBe(true);
    expect(contact).toMatchObject({ role: 'contact', text: 'Sorry, I need to move it.' });
    expect(last).toMatchObject({ role: 'agent', text: 'Thank you, goodbye!' });
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data.map((e: { type: string }) => e.type);
    expect(events).toContain('agent.interrupted');
  });

  it('hangs up on an answering machine the carrier detected at once, or leaves the agent\'s message after its beep', async () => {
    const hangsUp = await tenant.agent({ greeting: 'Hello.', voicemail: { action: 'hang_up' } });
    const first = await tenant.request('POST', '/v1/calls', { agent_id: hangsUp.id, to: '+14155550103' });
    const voicemail = await tenant.waitForEnd(first.body.id, 30_000);
    expect(voicemail).toMatchObject({ status: 'voicemail', end_reason: 'voicemail_detected', answered_by: 'machine' });
    expect(voicemail.amd).toEqual({ verdict: 'machine', source: 'carrier', reason: 'machine_at_answer', time_to_verdict_ms: 0 });
    // Nothing is said to a machine the agent hangs up on: it never greeted it.
    expect(voicemail.transcript).toEqual([]);

    const leaves = await tenant.agent({ greeting: 'Hello.', voicemail: { action: 'leave_message', message: 'Hi {{name}}, Parley here, please call us back.' } });
    const second = await tenant.request('POST', '/v1/calls', { agent_id: leaves.id, to: '+14155550103', variables: { name: 'Ana' } });
    const left = await tenant.waitForEnd(second.body.id, 30_000);
    expect(left).toMatchObject({ status: 'completed', end_reason: 'voicemail_message_left' });
    expect(left.transcript.at(-1)).toMatchObject({ role: 'agent', text: 'Hi Ana, Parley here, please call us back.' });
  });

  it('refuses a call from a Twilio number while Twilio is not configured', async () => {
    const agent = await tenant.agent();
    const number = await tenant.request('POST', '/v1/phone-numbers', { number: '+14155550143', carrier: 'twilio', agent_id: agent.id });
    expect(number.status).toBe(201);
    const refused = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', from: '+14155550143' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'CARRIER_NOT_CONFIGURED', details: { carrier: 'twilio' } });
  });

  it('rejects bad voice settings on the agent, naming the field', async () => {
    const bad = await tenant.request('POST', '/v1/agents', {
      name: 'Bad voice', prompt: 'x', interruption: { min_duration_ms: -5 }, tts: { provider: 'nope' }, stt: { modle: 'nova-3' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('AGENT_INVALID');
    const fields = bad.body.error.details.problems.map((p: { field: string }) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['interruption.min_duration_ms', 'tts.provider', 'stt.modle']));
  });
});
