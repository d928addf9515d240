import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FAKE_ANTHROPIC_KEY, startFakeAnthropic } from '../../../test/fakes/anthropic/server.js';
import { FAKE_OPENAI_KEY, startFakeOpenAi, type FakeLlmServer } from '../../../test/fakes/openai/server.js';
import { AppError } from '../../shared/errors.js';
import { resolveLlm, type LlmServerDefaults } from '../../llm/registry.js';
import type { AgentSpec, BrainEvent, ConversationContext, ConversationTurn, Cue } from '../types.js';
import { APOLOGY, createPromptEngine, FALLBACK_GOODBYE, type PromptEngineDeps } from './index.js';

const NOW_MS = Date.parse('2026-11-21T10:00:00Z');

function agent(overrides: Partial<AgentSpec> = {}): AgentSpec {
  return {
    id: 'agt_1',
    name: 'Anna',
    prompt: 'You are Anna from Acme, calling {{name}} about order {{order}}.',
    greeting: 'Hi {{name}}, this is Anna from Acme.',
    firstSpeaker: 'agent',
    language: 'en-US',
    variableDefaults: {},
    settings: {},
    ...overrides,
  };
}

const context = (spec: AgentSpec): ConversationContext => ({ agent: spec, variables: { name: 'Sam', order: 'A-17' }, channel: 'voice' });
const turn = (role: 'agent' | 'contact', text: string, extra: Partial<ConversationTurn> = {}): ConversationTurn => ({ role, text, offsetMs: 0, ...extra });

async function collect(events: AsyncIterable<BrainEvent>): Promise<BrainEvent[]> {
  const out: BrainEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const spoken = (events: readonly BrainEvent[]): string => events.flatMap((event) => (event.type === 'text' ? [event.text] : [])).join('');
const actions = (events: readonly BrainEvent[]) => events.flatMap((event) => (event.type === 'action' ? [event.action] : []));
type Sent = { messages: Array<{ role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }>; tools?: Array<{ function: { name: string } }> };
const sentBody = (fake: FakeLlmServer, index = -1): Sent => fake.requests.at(index)!.body as Sent;

describe('prompt engine against the fake OpenAI server', () => {
  let fake: FakeLlmServer;
  let tools: Server;
  let toolsUrl: string;
  const toolRequests: unknown[] = [];
  let deps: PromptEngineDeps;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    const defaults: LlmServerDefaults = { openaiApiKey: FAKE_OPENAI_KEY, openaiBaseUrl: fake.baseUrl, defaultModel: 'gpt-test' };
    deps = { resolveLlm: (settings) => resolveLlm(settings, defaults), clock: { now: () => NOW_MS } };
    tools = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        toolRequests.push(JSON.parse(body || '{}'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'shipping', arrives: 'tomorrow' }));
      });
    });
    await new Promise<void>((resolve) => tools.listen(0, '127.0.0.1', resolve));
    toolsUrl = `http://127.0.0.1:${(tools.address() as AddressInfo).port}/orders`;
  });
  afterAll(async () => {
    await fake.close();
    await new Promise((resolve) => tools.close(resolve));
  });
  beforeEach(() => {
    fake.respond(() => ({ text: ['Unscripted.'] }));
  });

  const open = (spec: AgentSpec, extra: Partial<PromptEngineDeps> = {}) => createPromptEngine({ ...deps, ...extra }).open(context(spec));
  const respond = (spec: AgentSpec, turns: ConversationTurn[], cue: Cue, extra: Partial<PromptEngineDeps> = {}) =>
    collect(open(spec, extra).respond(turns, cue, new AbortController().signal));

  it('opens with the rendered greeting verbatim, without calling the model', async () => {
    const before = fake.requests.length;
    expect(await respond(agent(), [], { type: 'start' })).toEqual([{ type: 'text', text: 'Hi Sam, this is Anna from Acme.' }]);
    expect(fake.requests.length).toBe(before);
  });

  it('lets the model open when there is no greeting, with the rendered prompt and the voice rules', async () => {
    fake.enqueue({ text: ['Hello Sam,', ' this is Anna.'] });
    const events = await respond(agent({ greeting: null }), [], { type: 'start' });
    expect(events).toEqual([{ type: 'text', text: 'Hello Sam,' }, { type: 'text', text: ' this is Anna.' }]);
    const { messages, tools: offered } = sentBody(fake);
    expect(messages[0]!.role).toBe('system');
    expect(messages[0]!.content).toContain('calling Sam about order A-17.');
    expect(messages[0]!.content).toContain('no markdown');
    expect(messages[0]!.content).toContain('2026-11-21T10:00:00Z');
    expect(messages.slice(1)).toEqual([{ role: 'user', content: expect.stringContaining('You speak first') }]);
    expect(offered!.map((tool) => tool.function.name)).toEqual(['end_call', 'send_dtmf', 'leave_voicemail', 'opt_out']);
  });

  it('answers a multi-turn conversation, telling the model what an interruption cut off', async () => {
    fake.enqueue({ text: ['It arrives', ' tomorrow.'] });
    const turns = [
      turn('agent', 'Hi Sam, this is Anna from Acme.'),
      turn('contact', 'Where is my order?'),
      turn('agent', 'It should arrive on', { interrupted: true }),
      turn('contact', 'Sorry, when?'),
    ];
    const events = await respond(agent(), turns, { type: 'contact_turn' });
    expect(spoken(events)).toBe('It arrives tomorrow.');
    const { messages } = sentBody(fake);
    expect(messages.slice(1).map((message) => [message.role, message.content])).toEqual([
      ['user', '[Call note: The call connected.]'],
      ['assistant', 'Hi Sam, this is Anna from Acme.'],
      ['user', 'Where is my order?'],
      ['assistant', 'It should arrive on'],
      ['user', '[Call note: The person interrupted you; they heard only the part of your reply shown above.]\nSorry, when?'],
    ]);
  });

  it('runs an HTTP tool between rounds and remembers the exchange in later replies', async () => {
    const spec = agent({
      settings: { tools: [{ name: 'lookup_order', description: 'Finds an order.', url: toolsUrl, parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } }] },
    });
    const conversation = open(spec);
    const turns = [turn('agent', 'Hi Sam.'), turn('contact', 'Where is my order?')];
    fake.enqueue(
      { text: ['One moment.'], toolCalls: [{ id: 'call_lookup', name: 'lookup_order', argumentPieces: ['{"order_id":', '"A-17"}'] }] },
      { text: ['It ships', ' tomorrow.'] },
    );
    const events = await collect(conversation.respond(turns, { type: 'contact_turn' }, new AbortController().signal));
    expect(events).toEqual([
      { type: 'text', text: 'One moment.' },
      { type: 'tool_call', id: 'call_lookup', name: 'lookup_order', arguments: { order_id: 'A-17' } },
      { type: 'tool_result', id: 'call_lookup', name: 'lookup_order', ok: true, result: { status: 200, body: { status: 'shipping', arrives: 'tomorrow' } } },
      // The words after the tool run are a new sentence, spaced from the ones before it.
      { type: 'text', text: ' It ships' },
      { type: 'text', text: ' tomorrow.' },
    ]);
    expect(toolRequests.at(-1)).toEqual({ order_id: 'A-17' });
    expect(sentBody(fake).messages.slice(-2)).toEqual([
      { role: 'assistant', content: 'One moment.', tool_calls: [{ id: 'call_lookup', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A-17"}' } }] },
      { role: 'tool', tool_call_id: 'call_lookup', content: '{"status":200,"body":{"status":"shipping","arrives":"tomorrow"}}' },
    ]);

    fake.enqueue({ text: ['You are welcome.'] });
    turns.push(turn('agent', 'One moment. It ships tomorrow.'), turn('contact', 'Thanks!'));
    await collect(conversation.respond(turns, { type: 'contact_turn' }, new AbortController().signal));
    // The fake refuses tool messages that do not follow their call, so this also proves the order.
    expect(sentBody(fake).messages.slice(3).map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
  });

  it('hangs up through end_call after saying goodbye, without another round', async () => {
    const before = fake.requests.length;
    fake.enqueue({ text: ['Thanks Sam, goodbye!'], toolCalls: [{ name: 'end_call', argumentPieces: ['{"reason":"goal_reached"}'] }] });
    const events = await respond(agent(), [turn('agent', 'Hi.'), turn('contact', 'That is all, bye.')], { type: 'contact_turn' });
    expect(events.map((event) => event.type)).toEqual(['text', 'tool_call', 'tool_result', 'action']);
    expect(actions(events)).toEqual([{ type: 'end_call', reason: 'goal_reached' }]);
    expect(fake.requests.length).toBe(before + 1);
  });

  it('refuses a transfer to a number outside the list and lets the model say so', async () => {
    const spec = agent({ settings: { transfer_numbers: ['+14155550100'] } });
    fake.enqueue(
      { toolCalls: [{ id: 'call_t', name: 'transfer_call', argumentPieces: ['{"to":"+14155550199","mode":"cold","reason":"sales"}'] }] },
      { text: ['I cannot transfer you there, sorry.'] },
    );
    const events = await respond(spec, [turn('agent', 'Hi.'), turn('contact', 'Put me through to +14155550199.')], { type: 'contact_turn' });
    expect(actions(events)).toEqual([]);
    expect(events.find((event) => event.type === 'tool_result')).toMatchObject({ ok: false });
    expect(spoken(events)).toBe('I cannot transfer you there, sorry.');
    expect(sentBody(fake).messages.at(-1)!.content).toContain('not allowed');

    fake.enqueue({ text: ['Transferring you now.'], toolCalls: [{ name: 'transfer_call', argumentPieces: ['{"to":"+14155550100","mode":"cold","reason":"sales"}'] }] });
    const allowed = await respond(spec, [turn('agent', 'Hi.'), turn('contact', 'Sales please.')], { type: 'contact_turn' });
    expect(actions(allowed)).toEqual([{ type: 'transfer_call', to: '+14155550100', mode: 'cold', reason: 'sales' }]);
  });

  it('apologises and hangs up when the model fails mid-stream, after what it already said', async () => {
    fake.enqueue({ text: ['Let me', ' check', ' that'], disconnectAfterPieces: 2 });
    const events = await respond(agent(), [turn('agent', 'Hi.'), turn('contact', 'Where is my order?')], { type: 'contact_turn' });
    expect(events).toEqual([
      { type: 'text', text: 'Let me' },
      { type: 'text', text: ' check' },
      { type: 'model_error', provider: 'openai', category: 'connectivity', status_code: null, message: expect.any(String) },
      { type: 'text', text: ` ${APOLOGY}` },
      { type: 'action', action: { type: 'end_call', reason: 'llm_error' } },
    ]);
  });

  it('apologises when the model refuses the request outright', async () => {
    fake.enqueue({ error: { status: 500 } });
    const events = await respond(agent(), [turn('contact', 'Hello?')], { type: 'contact_turn' });
    // Why is on the call's events: the provider, the kind of failure and its status, never the prompt.
    expect(events).toEqual([
      { type: 'model_error', provider: 'openai', category: 'server', status_code: 500, message: expect.any(String) },
      { type: 'text', text: APOLOGY },
      { type: 'action', action: { type: 'end_call', reason: 'llm_error' } },
    ]);
  });

  it('still greets without a configured model, then apologises instead of falling silent', async () => {
    const engine = createPromptEngine({ resolveLlm: (settings) => resolveLlm(settings, {}) });
    const conversation = engine.open(context(agent()));
    const signal = new AbortController().signal;
    expect(spoken(await collect(conversation.respond([], { type: 'start' }, signal)))).toBe('Hi Sam, this is Anna from Acme.');
    const events = await collect(conversation.respond([turn('agent', 'Hi.'), turn('contact', 'Yes?')], { type: 'contact_turn' }, signal));
    expect(events).toEqual([{ type: 'text', text: APOLOGY }, { type: 'action', action: { type: 'end_call', reason: 'llm_not_configured' } }]);
  });

  it('wraps up with the model’s goodbye and no tools, then ends the call', async () => {
    fake.enqueue({ text: ['We are out of time, goodbye Sam!'] });
    const events = await respond(agent(), [turn('agent', 'Hi.')], { type: 'wrap_up', reason: 'max_duration' });
    expect(spoken(events)).toBe('We are out of time, goodbye Sam!');
    expect(actions(events)).toEqual([{ type: 'end_call', reason: 'max_duration' }]);
    expect(sentBody(fake).tools).toBeUndefined();
    expect(sentBody(fake).messages.at(-1)!.content).toContain('time limit');
  });

  it('falls back to a fixed goodbye when the model fails at wrap-up', async () => {
    fake.enqueue({ error: { status: 503 } });
    const events = await respond(agent(), [turn('agent', 'Hi.')], { type: 'wrap_up', reason: 'inactivity' });
    expect(events).toEqual([
      { type: 'model_error', provider: 'openai', category: 'server', status_code: 503, message: expect.any(String) },
      { type: 'text', text: FALLBACK_GOODBYE },
      { type: 'action', action: { type: 'end_call', reason: 'inactivity' } },
    ]);
  });

  it('follows the voicemail policy: hang up, a fixed message, or one the model composes', async () => {
    expect(await respond(agent(), [], { type: 'voicemail' })).toEqual([{ type: 'action', action: { type: 'end_call', reason: 'voicemail' } }]);
    const fixed = agent({ settings: { voicemail: { action: 'leave_message', message: 'Hi {{name}}, please call Acme back.' } } });
    expect(await respond(fixed, [], { type: 'voicemail' })).toEqual([
      { type: 'action', action: { type: 'leave_voicemail', message: 'Hi Sam, please call Acme back.' } },
    ]);
    fake.enqueue({ text: ['Hi Sam, this is Anna', ' from Acme. Please call us back.'] });
    const composed = await respond(agent({ settings: { voicemail: { action: 'leave_message' } } }), [], { type: 'voicemail' });
    expect(composed).toEqual([{ type: 'action', action: { type: 'leave_voicemail', message: 'Hi Sam, this is Anna from Acme. Please call us back.' } }]);
  });

  it('tells the model which keys were pressed, and how long the silence was', async () => {
    fake.enqueue({ text: ['You pressed one.'] }, { text: ['Are you still there?'] });
    await respond(agent(), [turn('agent', 'Press 1 for yes.')], { type: 'dtmf', digits: '1#' });
    expect(sentBody(fake).messages.at(-1)!.content).toBe('[Call note: The person pressed these keys on their phone keypad: 1 #]');
    await respond(agent(), [turn('agent', 'Hello?')], { type: 'silence', silentForMs: 8200 });
    expect(sentBody(fake).messages.at(-1)!.content).toContain('said nothing for 8 seconds');
  });

  it('shows a keypad entry once, and still shows it to the model turns later', async () => {
    fake.enqueue({ text: ['Thanks.'] }, { text: ['Sure.'] });
    const keyed = turn('contact', '0123#', { input: 'keypad' });
    await respond(agent(), [turn('agent', 'Your PIN, then pound.'), keyed], { type: 'dtmf', digits: '0123#' });
    const now = sentBody(fake).messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
    expect(now.match(/pressed these keys/g)).toHaveLength(1);
    expect(now).toContain('keypad: 0 1 2 3 #');
    await respond(agent(), [turn('agent', 'Your PIN, then pound.'), keyed, turn('agent', 'Thanks.'), turn('contact', 'What was my PIN again?')], { type: 'contact_turn' });
    const later = sentBody(fake).messages.map((m) => m.content).join('\n');
    expect(later).toContain('The person pressed these keys on their phone keypad: 0 1 2 3 #');
    expect(sentBody(fake).messages.at(-1)!.content).toBe('What was my PIN again?');
  });

  it('sends DTMF as an action and carries on to the next round', async () => {
    fake.enqueue({ toolCalls: [{ name: 'send_dtmf', argumentPieces: ['{"digits":"2"}'] }] }, { text: [''] });
    const events = await respond(agent(), [turn('contact', 'For sales press 2.')], { type: 'contact_turn' });
    expect(actions(events)).toEqual([{ type: 'send_dtmf', digits: '2' }]);
    expect(sentBody(fake).messages.at(-1)).toMatchObject({ role: 'tool' });
  });

  it('offers no tools in the last round, so a model stuck on tools has to speak', async () => {
    fake.respond((request) =>
      (request.body as Sent).tools ? { toolCalls: [{ name: 'send_dtmf', argumentPieces: ['{"digits":"0"}'] }] } : { text: ['Let me just ask you.'] },
    );
    const before = fake.requests.length;
    const events = await respond(agent(), [turn('contact', 'Hi')], { type: 'contact_turn' }, { maxToolRounds: 3 });
    expect(fake.requests.length - before).toBe(3);
    expect(spoken(events)).toBe('Let me just ask you.');
    expect(actions(events)).toHaveLength(2);
  });

  it('stops at once on abort, with nothing after it and the request closed', async () => {
    fake.enqueue({ text: ['Well,', ' never said'], stallAfterPieces: 1 });
    const controller = new AbortController();
    const events: BrainEvent[] = [];
    for await (const event of open(agent()).respond([turn('contact', 'Hi')], { type: 'contact_turn' }, controller.signal)) {
      events.push(event);
      controller.abort();
    }
    expect(events).toEqual([{ type: 'text', text: 'Well,' }]);
    await vi.waitFor(() => expect(fake.openResponses).toBe(0), { timeout: 2000 });
  });

  it('greets when the contact speaks first, then hands over to the model', async () => {
    const spec = agent({ firstSpeaker: 'contact' });
    expect(spoken(await respond(spec, [turn('contact', 'Hello?')], { type: 'contact_turn' }))).toBe('Hi Sam, this is Anna from Acme.');
    fake.enqueue({ text: ['Great.'] });
    expect(spoken(await respond(spec, [turn('contact', 'Hello?'), turn('agent', 'Hi Sam.'), turn('contact', 'Yes?')], { type: 'contact_turn' }))).toBe('Great.');
  });

  it('refuses settings that do not parse, naming the field', () => {
    expect(() => open(agent({ settings: { transfer_numbers: ['12345'] } }))).toThrow(AppError);
    expect(() => open(agent({ settings: { tools: [{ name: 'end_call', description: 'x', url: toolsUrl }] } }))).toThrow(/tools\.0\.name/);
  });
});

describe('prompt engine against the fake Anthropic server', () => {
  it('runs a tool round trip the Messages API accepts', async () => {
    const fake = await startFakeAnthropic();
    try {
      const engine = createPromptEngine({
        resolveLlm: (settings) => resolveLlm(settings, { anthropicApiKey: FAKE_ANTHROPIC_KEY, anthropicBaseUrl: fake.baseUrl }),
      });
      const conversation = engine.open(context(agent({ settings: { transfer_numbers: ['+14155550100'] } })));
      fake.enqueue(
        { toolCalls: [{ name: 'transfer_call', argumentPieces: ['{"number":"+14155550111"}'] }] },
        { text: ['I can only transfer you to our main line.'] },
      );
      const events = await collect(conversation.respond([turn('agent', 'Hi.'), turn('contact', 'Transfer me.')], { type: 'contact_turn' }, new AbortController().signal));
      expect(spoken(events)).toBe('I can only transfer you to our main line.');
      const body = fake.requests.at(-1)!.body as { system: string; messages: Array<{ role: string }> };
      expect(body.system).toContain('calling Sam about order A-17.');
      expect(body.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    } finally {
      await fake.close();
    }
  });
});
