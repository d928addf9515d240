/** Agents with a brain, end to end: flow agents with no model, prompt agents on a fake OpenAI server, chat. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestParley, type TestParley, type Tenant } from '../support/parley.js';
import { startFakeOpenAi, type RecordedLlmRequest } from '../fakes/openai/server.js';

const appointment = { customer_name: 'Ana', appointment_date: 'Tuesday at 3 PM' };

describe('with no model configured anywhere', () => {
  let t: TestParley;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startTestParley({ llm: 'none' });
    tenant = await t.tenant();
  });
  afterAll(() => t?.close());

  it('the appointment-confirmation flow template completes a call and records confirmed: true', async () => {
    const agent = await tenant.agent({ name: 'Confirmations', kind: 'flow', template: 'appointment_confirmation', greeting: null });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables: appointment });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const ended = await tenant.waitForEnd(created.body.id);
    expect(ended.status).toBe('completed');
    expect(ended.transcript[0].role).toBe('agent');
    expect(ended.transcript[0].text).toContain('Ana');
    expect(ended.transcript[1]).toMatchObject({ role: 'contact', text: 'Yes, that works for me.' });
    await tenant.waitForAnalysis(ended.id);
    const analysed = (await tenant.request('GET', `/v1/calls/${ended.id}`)).body;
    expect(analysed.outcome).toMatchObject({ confirmed: true });
    expect(analysed.tags).toContain('confirmed');
    expect(analysed.summary).toEqual(expect.any(String));
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data.map((e: { type: string }) => e.type);
    expect(events).toContain('agent.collected');
  });

  it('refuses a call to a prompt agent, naming what to configure', async () => {
    const agent = await tenant.agent({ prompt: 'You sell insurance.' });
    const refused = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('LLM_NOT_CONFIGURED');
    expect(refused.body.error.message).toContain('OPENAI_API_KEY');
  });

  it('refuses a flow with dangling edges and unreachable nodes, naming them', async () => {
    const bad = await tenant.request('POST', '/v1/agents', {
      name: 'Broken flow',
      kind: 'flow',
      flow: { start: 'a', nodes: { a: { type: 'say', text: 'Hi', next: 'nowhere' }, orphan: { type: 'end', text: 'Bye' } } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('AGENT_INVALID');
    const problems = JSON.stringify(bad.body.error.details.problems);
    expect(problems).toContain('nowhere');
    expect(problems).toContain('orphan');
  });

  it('chats with a flow agent over the WebSocket', async () => {
    const agent = await tenant.agent({ kind: 'flow', template: 'appointment_confirmation', greeting: null });
    const messages = await chat(t.url, tenant.key, agent.id, appointment, ['Yes, that works for me.']);
    const agentLines = messages.filter((m) => m.type === 'agent_message').map((m) => m.text);
    expect(agentLines[0]).toContain('Tuesday at 3 PM');
    expect(messages).toContainEqual(expect.objectContaining({ type: 'collected', name: 'confirmed', value: true }));
    expect(messages.at(-1)).toMatchObject({ type: 'ended' });
  });
});

describe('with a model (a fake OpenAI-compatible server)', () => {
  let t: TestParley;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startTestParley();
    tenant = await t.tenant();
  });
  afterAll(() => t?.close());

  const outcomeSchema = {
    type: 'object',
    properties: { interested: { type: 'boolean', description: 'Whether the contact wants a quote' } },
    required: ['interested'],
  };

  it('completes a call, ends it through end_call, and stores an outcome that fits the schema', async () => {
    t.llm!.respond((request: RecordedLlmRequest) => {
      const body = request.body as { response_format?: unknown; messages: { role: string; content: string }[] };
      if (body.response_format) return { text: [JSON.stringify({ summary: 'The contact wants a quote.', outcome: { interested: true }, tags: ['hot_lead', 'made_up'] })] };
      return { text: ['Great, I will send it. Goodbye!'], toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":"quote sent"}'] }] };
    });
    const agent = await tenant.agent({ prompt: 'You offer {{customer_name}} a quote.', greeting: 'Hi {{customer_name}}, want a quote?', outcome: { schema: outcomeSchema, tags: ['hot_lead', 'cold_lead'] } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100', variables: { customer_name: 'Ana' } });
    const ended = await tenant.waitForEnd(created.body.id);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'agent_ended' });
    expect(ended.transcript.map((turn: { text: string }) => turn.text)).toEqual(['Hi Ana, want a quote?', 'Yes, that works for me.', 'Great, I will send it. Goodbye!']);
    await tenant.waitForAnalysis(ended.id);
    const analysed = (await tenant.request('GET', `/v1/calls/${ended.id}`)).body;
    expect(analysed.outcome).toEqual({ interested: true });
    expect(analysed.tags).toEqual(['hot_lead']);
    expect(analysed.analysis.dropped_tags).toEqual(['made_up']);
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data;
    expect(events).toContainEqual(expect.objectContaining({ type: 'agent.action', data: expect.objectContaining({ action: { type: 'end_call', reason: 'quote sent' } }) }));
    const system = (t.llm!.requests.find((r) => !(r.body as { response_format?: unknown }).response_format)!.body as { messages: { role: string; content: string }[] }).messages[0]!;
    expect(system.role).toBe('system');
    expect(system.content).toContain('You offer Ana a quote.');
  });

  it('stores an outcome that fails its schema as an error, and re-analyses on request', async () => {
    t.llm!.respond((request: RecordedLlmRequest) => {
      const body = request.body as { response_format?: unknown };
      if (body.response_format) return { text: [JSON.stringify({ summary: 'x', outcome: { interested: 'maybe' }, tags: [] })] };
      return { text: ['Goodbye!'], toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":"done"}'] }] };
    });
    const agent = await tenant.agent({ greeting: 'Hello!', outcome: { schema: outcomeSchema } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    const ended = await tenant.waitForEnd(created.body.id);
    await tenant.waitForAnalysis(ended.id);
    const failed = (await tenant.request('GET', `/v1/calls/${ended.id}`)).body;
    expect(failed.outcome).toBeNull();
    expect(failed.analysis.error.code).toBe('OUTCOME_INVALID');

    t.llm!.respond(() => ({ text: [JSON.stringify({ summary: 'ok', outcome: { interested: false }, tags: [] })] }));
    const again = await tenant.request('POST', `/v1/calls/${ended.id}/analyze`);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toEqual({ interested: false });
    expect(again.body.analysis.error).toBeNull();
  });

  it('apologises and ends the call when the model fails mid-call, never going silent, and the call is failed llm_error', async () => {
    t.llm!.respond(() => ({ text: ['Sure', ' thing'], disconnectAfterPieces: 1 }));
    const agent = await tenant.agent({ greeting: 'Hello there!' });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
    const ended = await tenant.waitForEnd(created.body.id);
    expect(ended.status).toBe('failed');
    expect(ended.end_reason).toBe('llm_error');
    expect(ended.transcript.at(-1).text).toContain("I'm sorry");
    const events = (await tenant.request('GET', `/v1/calls/${ended.id}/events`)).body.data;
    expect(events).toContainEqual(expect.objectContaining({ type: 'agent.action', data: expect.objectContaining({ action: expect.objectContaining({ reason: 'llm_error' }) }) }));
    // And why: the model's failure is on the call's events.
    expect(events).toContainEqual(expect.objectContaining({ type: 'agent.model_error', data: expect.objectContaining({ provider: 'openai', category: 'connectivity' }) }));
  });

  it('answers from the agent\'s fallback model when its own is down, and keeps the fallback\'s key sealed', async () => {
    const backup = await startFakeOpenAi({ apiKey: 'sk-backup-key-123456', handler: () => ({ text: ['Backup here. Goodbye!'], toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":"done"}'] }] }) });
    try {
      t.llm!.respond((request: RecordedLlmRequest) =>
        (request.body as { response_format?: unknown }).response_format ? { text: [JSON.stringify({ summary: 'ok', outcome: {}, tags: [] })] } : { error: { status: 503 } });
      const agent = await tenant.agent({
        name: 'With a backup', greeting: 'Hello!', prompt: 'Be brief.',
        llm: { fallback: [{ base_url: backup.baseUrl, api_key: 'sk-backup-key-123456', model: 'backup-model' }] },
      });
      const shown = (await tenant.request('GET', `/v1/agents/${agent.id}`)).body;
      expect(JSON.stringify(shown)).not.toContain('sk-backup-key-123456');
      expect(shown.llm.fallback[0].api_key).toMatch(/•/);
      const call = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550100' });
      expect(call.status, JSON.stringify(call.body)).toBe(201);
      const ended = await tenant.waitForEnd(call.body.id);
      expect(ended).toMatchObject({ status: 'completed', end_reason: 'agent_ended' });
      expect(ended.transcript.at(-1).text).toBe('Backup here. Goodbye!');
      const asked = backup.requests.at(-1)!;
      expect(asked.headers.authorization).toBe('Bearer sk-backup-key-123456');
      expect((asked.body as { model: string }).model).toBe('backup-model');
    } finally {
      await backup.close();
    }
  });

  it('chats with a prompt agent over the WebSocket', async () => {
    t.llm!.respond(() => ({ text: ['We open at nine.'] }));
    const agent = await tenant.agent({ greeting: 'Hi! Ask me anything.' });
    const messages = await chat(t.url, tenant.key, agent.id, {}, ['When do you open?'], 2);
    expect(messages.filter((m) => m.type === 'agent_message').map((m) => m.text)).toEqual(['Hi! Ask me anything.', 'We open at nine.']);
    expect(messages.some((m) => m.type === 'agent_delta')).toBe(true);
  });
});

/** Opens a chat, sends each line after the agent's previous message, collects every event. */
async function chat(url: string, key: string, agentId: string, variables: Record<string, string>, lines: string[], expectedAgentMessages?: number): Promise<any[]> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/agents/${agentId}/chat?variables=${encodeURIComponent(JSON.stringify(variables))}`, { headers: { authorization: `Bearer ${key}` } });
  const events: any[] = [];
  return new Promise((resolve, reject) => {
    const pending = [...lines];
    let agentMessages = 0;
    const timer = setTimeout(() => reject(new Error(`chat timed out: ${JSON.stringify(events)}`)), 10_000);
    socket.on('message', (raw) => {
      const event = JSON.parse(String(raw));
      events.push(event);
      if (event.type === 'error') reject(new Error(JSON.stringify(event)));
      if (event.type === 'agent_message') {
        agentMessages += 1;
        const next = pending.shift();
        if (next) socket.send(JSON.stringify({ type: 'message', text: next }));
        else if (expectedAgentMessages && agentMessages >= expectedAgentMessages) socket.close();
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(events);
    });
    socket.on('error', reject);
  });
}

describe('timers and personas', () => {
  let t: TestParley;
  let tenant: Tenant;
  beforeAll(async () => {
    // The model answers in real time while the simulated line's timers run fast: at the tests'
    // usual 40 times, a loaded machine's 75 ms reply is a 3 s silence and 200 ms an 8 s one, and
    // the timers under test fire around the replies instead of after them. 10 times leaves room.
    t = await startTestParley({ env: { PARLEY_SIM_SPEED: '10' } });
    tenant = await t.tenant();
  });
  afterAll(() => t?.close());

  const isPersonaRequest = (request: RecordedLlmRequest) =>
    ((request.body as { messages: { role: string; content: string }[] }).messages[0]?.content ?? '').includes('role-playing the person');

  it('an LLM-driven persona holds a two-sided conversation and hangs up when done', async () => {
    let personaTurns = 0;
    t.llm!.respond((request) => {
      if (isPersonaRequest(request)) {
        personaTurns += 1;
        return { text: [personaTurns === 1 ? 'Hmm, what does it cost?' : 'Okay, thanks, bye. <hangup>'] };
      }
      return { text: ['It costs ten dollars a month.'] };
    });
    const registered = await tenant.request('POST', '/v1/sim/personas', { number: '+14155550117', prompt: 'You are Bob, a careful shopper.' });
    expect(registered.status).toBe(201);
    // The persona's model answers in real time on the faster simulated line: a loaded machine's
    // 800 ms would be the 8 s silence that re-prompts. This test is about the conversation, so the
    // agent waits as long as it may.
    const agent = await tenant.agent({ greeting: 'Hi Bob, want to hear about our plan?', timers: { silence_reprompt_s: 120, inactivity_timeout_s: 600 } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550117' });
    const ended = await tenant.waitForEnd(created.body.id);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'contact_hung_up' });
    expect(ended.transcript.map((turn: { role: string; text: string }) => `${turn.role}: ${turn.text}`)).toEqual([
      'agent: Hi Bob, want to hear about our plan?',
      'contact: Hmm, what does it cost?',
      'agent: It costs ten dollars a month.',
      'contact: Okay, thanks, bye.',
    ]);
  });

  it('re-prompts a silent callee, then hangs up after the inactivity timeout', async () => {
    t.llm!.respond((request) => {
      const messages = (request.body as { messages: { role: string; content: string }[] }).messages;
      const last = messages.at(-1)?.content ?? '';
      if (/wrap|goodbye|end the call/i.test(last)) return { text: ['I will let you go. Goodbye!'], toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":"no answer"}'] }] };
      return { text: ['Are you still there?'] };
    });
    await tenant.request('POST', '/v1/sim/personas', { number: '+14155550118', replies: [], after_replies: 'silence', opening: 'Hello?' });
    const agent = await tenant.agent({ first_speaker: 'contact', greeting: 'Hi, this is Parley.', timers: { silence_reprompt_s: 3, inactivity_timeout_s: 8 } });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550118' });
    const ended = await tenant.waitForEnd(created.body.id);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'inactivity' });
    const agentLines = ended.transcript.filter((turn: { role: string }) => turn.role === 'agent').map((turn: { text: string }) => turn.text);
    expect(agentLines[0]).toBe('Hi, this is Parley.');
    expect(agentLines).toContain('Are you still there?');
  });

  it('wraps up politely before the maximum duration, then hangs up', async () => {
    t.llm!.respond((request) => {
      const last = (request.body as { messages: { role: string; content: string }[] }).messages.at(-1)?.content ?? '';
      if (/wrap|time|goodbye/i.test(last) && !/tell me more/i.test(last)) return { text: ['We are out of time, goodbye!'], toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":"time"}'] }] };
      return { text: ['Let me explain that in detail.'] };
    });
    await tenant.request('POST', '/v1/sim/personas', { number: '+14155550119', replies: Array(50).fill('Tell me more, please.') });
    const agent = await tenant.agent({ greeting: 'Hello!' });
    const created = await tenant.request('POST', '/v1/calls', { agent_id: agent.id, to: '+14155550119', max_duration_s: 30 });
    const ended = await tenant.waitForEnd(created.body.id);
    expect(ended).toMatchObject({ status: 'completed', end_reason: 'max_duration' });
    expect(ended.transcript.at(-1)).toMatchObject({ role: 'agent', text: 'We are out of time, goodbye!' });
  });
});
