import { describe, expect, it } from 'vitest';
import { createScriptedLlm } from '../../llm/scripted/index.js';
import type { BrainEvent } from '../types.js';
import { matchesCondition } from './conditions.js';
import { createFlowEngine } from './engine.js';
import { FlowRun } from './runner.js';
import { flowSchema, type Condition, type FlowInput } from './schema.js';

const support: FlowInput = {
  start: 'hello',
  nodes: {
    hello: { type: 'say', text: 'Hello {{name}}.', next: 'plan' },
    plan: {
      type: 'ask',
      text: 'Which plan interests you: basic, plus or premium?',
      expect: 'choice',
      variable: 'plan',
      choices: [{ value: 'basic' }, { value: 'plus', synonyms: ['the middle one'] }, { value: 'premium' }],
      branches: { premium: 'agent', default: 'seats' },
      on_fail: 'agent',
    },
    seats: { type: 'ask', text: 'How many seats?', expect: 'number', variable: 'seats', next: 'size', max_attempts: 1, on_fail: 'bye' },
    size: {
      type: 'branch',
      on: 'seats',
      cases: [
        { gte: 50, next: 'agent' },
        { in: [1, 2], next: 'tiny' },
      ],
      default: 'note',
    },
    tiny: { type: 'set', variable: 'segment', value: 'solo {{plan}}', next: 'note' },
    note: { type: 'ask', text: 'Anything else we should know?', expect: 'text', variable: 'note', next: 'bye' },
    agent: { type: 'transfer', to: '{{sales_line}}', text: 'Let me connect you with sales.', reason: 'sales' },
    bye: { type: 'end', text: 'Thanks, {{name}}. Bye.', reason: 'done' },
  },
};
const flow = flowSchema.parse(support);
const vars = { name: 'Sam', sales_line: '+14155550100' };

describe('FlowRun', () => {
  it('walks say, choice, number, branch and set nodes', () => {
    const run = new FlowRun(flow, vars, {});
    expect(run.start().say).toEqual(['Hello Sam.', 'Which plan interests you: basic, plus or premium?']);
    const plan = run.answer({ understood: true, value: 'plus' });
    expect(plan.collected).toEqual([{ name: 'plan', value: 'plus' }]);
    expect(plan.say).toEqual(['How many seats?']);
    const seats = run.answer({ understood: true, value: 2 });
    expect(seats.collected).toEqual([
      { name: 'seats', value: 2 },
      { name: 'segment', value: 'solo plus' },
    ]);
    expect(seats.say).toEqual(['Anything else we should know?']);
    const note = run.answer({ understood: true, value: 'We need invoices' });
    expect(note.action).toEqual({ type: 'end_call', reason: 'done' });
    expect(run.collected).toEqual({ plan: 'plus', seats: 2, segment: 'solo plus', note: 'We need invoices' });
    expect(run.status).toBe('finished');
  });

  it('transfers with a rendered number from a branch case', () => {
    const run = new FlowRun(flow, vars, {});
    run.start();
    run.answer({ understood: true, value: 'basic' });
    const big = run.answer({ understood: true, value: 120 });
    expect(big.say).toEqual(['Let me connect you with sales.']);
    expect(big.action).toEqual({ type: 'transfer_call', to: '+14155550100', mode: 'cold', reason: 'sales' });
  });

  it('goes on at on_failure when a warm transfer does not connect, and ends politely without one', () => {
    const warm = flowSchema.parse({
      start: 'move',
      nodes: {
        move: { type: 'transfer', to: '+14155550100', mode: 'warm', text: 'One moment.', on_failure: 'later' },
        later: { type: 'ask', text: 'Nobody is free. Shall we call you back?', expect: 'yes_no', variable: 'callback', next: 'bye' },
        bye: { type: 'end', text: 'Bye.' },
      },
    });
    const run = new FlowRun(warm, {}, {});
    expect(run.start().action).toEqual({ type: 'transfer_call', to: '+14155550100', mode: 'warm' });
    expect(run.transferFailed().say).toEqual(['Nobody is free. Shall we call you back?']);
    expect(run.answer({ understood: true, value: true }).action).toEqual({ type: 'end_call', reason: 'completed' });

    const plain = new FlowRun(flow, vars, {});
    plain.start();
    plain.answer({ understood: true, value: 'premium' });
    const failed = plain.transferFailed();
    expect(failed.action).toEqual({ type: 'end_call', reason: 'transfer_failed' });
    expect(failed.say[0]).toContain("couldn't reach anyone");
  });

  it('follows on_fail at once when max_attempts is 1', () => {
    const run = new FlowRun(flow, vars, {});
    run.start();
    run.answer({ understood: true, value: 'basic' });
    const failed = run.answer({ understood: false });
    expect(failed.say).toEqual(['Thanks, Sam. Bye.']);
    expect(failed.action).toEqual({ type: 'end_call', reason: 'done' });
  });

  it('ends with the fallback when an ask without on_fail is never understood', () => {
    const bare = flowSchema.parse({
      start: 'q',
      nodes: { q: { type: 'ask', text: 'Ok?', expect: 'yes_no', variable: 'ok', next: 'bye' }, bye: { type: 'end' } },
    });
    const run = new FlowRun(bare, {}, {});
    run.start();
    expect(run.answer({ understood: false }).say).toEqual(['Ok?']);
    const out = run.answer({ understood: false });
    expect(out.action).toEqual({ type: 'end_call', reason: 'not_understood' });
    expect(out.say[0]).toContain('trouble understanding');
  });

  it('takes the unclear branch of a yes/no question once attempts are used up', () => {
    const unclear = flowSchema.parse({
      start: 'q',
      nodes: {
        q: { type: 'ask', text: 'Ok?', expect: 'yes_no', variable: 'ok', max_attempts: 1, branches: { yes: 'bye', no: 'bye', unclear: 'human' }, on_fail: 'bye' },
        human: { type: 'transfer', to: '+14155550100' },
        bye: { type: 'end' },
      },
    });
    const run = new FlowRun(unclear, {}, {});
    run.start();
    expect(run.answer({ understood: false }).action).toEqual({ type: 'transfer_call', to: '+14155550100', mode: 'cold' });
  });

  it('stops a set/branch loop that never asks', () => {
    const loop = flowSchema.parse({
      start: 'a',
      nodes: {
        a: { type: 'set', variable: 'x', value: 1, next: 'b' },
        b: { type: 'branch', on: 'x', cases: [{ equals: 1, next: 'a' }], default: 'end' },
        end: { type: 'end' },
      },
    });
    const out = new FlowRun(loop, {}, {}).start();
    expect(out.action).toEqual({ type: 'end_call', reason: 'flow_loop' });
  });
});

describe('flow engine with choices', () => {
  const agent = {
    id: 'ag_1',
    name: 'Sales',
    prompt: '',
    greeting: null,
    firstSpeaker: 'agent' as const,
    language: 'en',
    variableDefaults: {},
    settings: { kind: 'flow', flow: support },
  };
  async function collect(stream: AsyncIterable<BrainEvent>): Promise<BrainEvent[]> {
    const events: BrainEvent[] = [];
    for await (const event of stream) events.push(event);
    return events;
  }
  const signal = new AbortController().signal;

  it('reads a spoken synonym and a keyed position', async () => {
    const spoken = createFlowEngine().open({ agent, variables: vars, channel: 'chat' });
    await collect(spoken.respond([], { type: 'start' }, signal));
    const turns = [{ role: 'contact' as const, text: 'I guess the middle one', offsetMs: 1 }];
    expect(await collect(spoken.respond(turns, { type: 'contact_turn' }, signal))).toContainEqual({ type: 'collected', name: 'plan', value: 'plus' });

    const keyed = createFlowEngine().open({ agent, variables: vars, channel: 'voice' });
    await collect(keyed.respond([], { type: 'start' }, signal));
    const events = await collect(keyed.respond([], { type: 'dtmf', digits: '3' }, signal));
    expect(events).toContainEqual({ type: 'collected', name: 'plan', value: 'premium' });
    expect(events.at(-1)).toEqual({ type: 'action', action: { type: 'transfer_call', to: '+14155550100', mode: 'cold', reason: 'sales' } });
  });

  it('distils a free-text answer with the model, keeping the words when it has nothing', async () => {
    const llm = createScriptedLlm([{ json: { answer: 'needs invoices' } }, { json: { answer: null } }]);
    for (const expected of ['needs invoices', 'Well we kind of need invoices I think']) {
      const conversation = createFlowEngine({ llm: { provider: llm, model: 'm' } }).open({ agent, variables: vars, channel: 'chat' });
      await collect(conversation.respond([], { type: 'start' }, signal));
      await collect(conversation.respond([], { type: 'dtmf', digits: '1' }, signal));
      await collect(conversation.respond([], { type: 'dtmf', digits: '5' }, signal));
      const turns = [{ role: 'contact' as const, text: 'Well we kind of need invoices I think', offsetMs: 1 }];
      const events = await collect(conversation.respond(turns, { type: 'contact_turn' }, signal));
      expect(events).toContainEqual({ type: 'collected', name: 'note', value: expected });
    }
    expect(llm.requests).toHaveLength(2);
  });
});

describe('matchesCondition', () => {
  const table: [unknown, Condition, boolean][] = [
    ['true', { equals: true }, true],
    [true, { equals: 'TRUE' }, true],
    ['42', { equals: 42 }, true],
    ['42', { gt: 40, lt: 50 }, true],
    [40, { gt: 40 }, false],
    [40, { gte: 40 }, true],
    ['n/a', { lt: 5 }, false],
    ['gold', { in: ['silver', 'Gold'] }, true],
    ['I want to cancel', { contains: 'CANCEL' }, true],
    [undefined, { exists: false }, true],
    ['', { exists: true }, false],
    [undefined, { equals: 'x' }, false],
  ];
  it.each(table)('tests %j against %j', (value, condition, expected) => {
    expect(matchesCondition(value, condition)).toBe(expected);
  });
});
