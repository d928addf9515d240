import { describe, expect, it } from 'vitest';
import { appointmentConfirmationFlow } from './templates.js';
import { parseFlow, requiredFlowVariables, validateFlow } from './validate.js';

const end = { type: 'end', text: 'Bye.' } as const;

describe('validateFlow', () => {
  it('accepts the appointment confirmation template', () => {
    expect(validateFlow(appointmentConfirmationFlow)).toEqual([]);
  });

  it('names a missing start', () => {
    expect(validateFlow({ nodes: { bye: end } })).toEqual([
      expect.objectContaining({ code: 'missing_start', field: 'start' }),
    ]);
  });

  it('names a start that is not a node', () => {
    expect(validateFlow({ start: 'hello', nodes: { bye: end } })).toContainEqual(
      expect.objectContaining({ code: 'missing_start', field: 'start', message: 'The start node "hello" does not exist' }),
    );
  });

  it('names each dangling edge by node and field', () => {
    const problems = validateFlow({
      start: 'q',
      nodes: {
        q: { type: 'ask', text: 'Ok?', expect: 'yes_no', variable: 'ok', branches: { yes: 'bye', no: 'nowhere' }, on_fail: 'lost' },
        bye: end,
      },
    });
    expect(problems.filter((problem) => problem.code === 'dangling_edge')).toEqual([
      { code: 'dangling_edge', node: 'q', field: 'branches.no', message: 'Node "q" field branches.no leads to "nowhere", which does not exist' },
      { code: 'dangling_edge', node: 'q', field: 'on_fail', message: 'Node "q" field on_fail leads to "lost", which does not exist' },
    ]);
  });

  it('names dangling edges of branch cases and defaults', () => {
    const problems = validateFlow({
      start: 'b',
      nodes: { b: { type: 'branch', on: 'tier', cases: [{ equals: 'gold', next: 'vip' }], default: 'std' }, bye: end },
    });
    expect(problems.filter((problem) => problem.code === 'dangling_edge').map((problem) => problem.field)).toEqual([
      'cases.0.next',
      'default',
    ]);
  });

  it('names unreachable nodes', () => {
    const problems = validateFlow({ start: 'bye', nodes: { bye: end, orphan: { type: 'say', text: 'Hi.', next: 'bye' } } });
    expect(problems).toEqual([
      { code: 'unreachable_node', node: 'orphan', message: 'Node "orphan" cannot be reached from the start' },
    ]);
  });

  it('names an ask with no way out, per missing answer', () => {
    const problems = validateFlow({
      start: 'q',
      nodes: {
        q: { type: 'ask', text: 'Ok?', expect: 'yes_no', variable: 'ok', branches: { yes: 'n' } },
        n: { type: 'ask', text: 'How many?', expect: 'number', variable: 'n', on_fail: 'bye' },
        bye: end,
      },
    });
    expect(problems.filter((problem) => problem.code === 'ask_without_exit')).toEqual([
      expect.objectContaining({ node: 'q', field: 'branches', message: expect.stringContaining('for no') }),
      expect.objectContaining({ node: 'n', field: 'next' }),
    ]);
  });

  it('names a choice ask whose unrouted choices have no default', () => {
    const problems = validateFlow({
      start: 'c',
      nodes: {
        c: {
          type: 'ask',
          text: 'Morning or evening?',
          expect: 'choice',
          variable: 'slot',
          choices: [{ value: 'morning' }, { value: 'evening' }, { value: 'morning' }],
          branches: { morning: 'bye', night: 'bye' },
        },
        bye: end,
      },
    });
    expect(problems.map((problem) => [problem.code, problem.node, problem.field])).toEqual([
      ['unknown_branch', 'c', 'branches.night'],
      ['duplicate_choice', 'c', 'choices'],
      ['ask_without_exit', 'c', 'branches'],
    ]);
    expect(problems[2]?.message).toContain('evening');
  });

  it('names a choice ask with no choices and branches on a number ask', () => {
    const problems = validateFlow({
      start: 'c',
      nodes: {
        c: { type: 'ask', text: 'Which?', expect: 'choice', variable: 'x', next: 'n' },
        n: { type: 'ask', text: 'How many?', expect: 'number', variable: 'n', next: 'bye', branches: { yes: 'bye' } },
        bye: end,
      },
    });
    expect(problems.map((problem) => [problem.code, problem.node])).toEqual([
      ['missing_choices', 'c'],
      ['unknown_branch', 'n'],
    ]);
  });

  it('names nodes caught in a loop with no end', () => {
    const problems = validateFlow({
      start: 'a',
      nodes: {
        a: { type: 'say', text: 'One.', next: 'b' },
        b: { type: 'set', variable: 'x', value: 1, next: 'a' },
      },
    });
    expect(problems.map((problem) => [problem.code, problem.node])).toEqual([
      ['no_way_to_end', 'a'],
      ['no_way_to_end', 'b'],
    ]);
  });

  it('refuses a transfer whose failure path redials it without asking the callee, and allows one that asks first', () => {
    const transfer = { type: 'transfer', to: '+14155550111', mode: 'warm', text: 'Transferring.' };
    const direct = validateFlow({ start: 'x', nodes: { x: { ...transfer, on_failure: 'x' } } });
    expect(direct.map((problem) => [problem.code, problem.node, problem.field])).toEqual([['transfer_redial_loop', 'x', 'on_failure']]);
    const viaSay = validateFlow({ start: 'x', nodes: { x: { ...transfer, on_failure: 'sorry' }, sorry: { type: 'say', text: 'Trying again.', next: 'x' } } });
    expect(viaSay.map((problem) => problem.code)).toEqual(['transfer_redial_loop']);
    const asking = validateFlow({
      start: 'x',
      nodes: {
        x: { ...transfer, on_failure: 'again' },
        again: { type: 'ask', text: 'Nobody answered. Shall I try again?', variable: 'retry', expect: 'yes_no', branches: { yes: 'x', no: 'bye' } },
        bye: { type: 'end', text: 'Goodbye.' },
      },
    });
    expect(asking).toEqual([]);
  });

  it('reports schema errors with the node and field', () => {
    const problems = validateFlow({
      start: 'a',
      nodes: {
        a: { type: 'say', text: '', next: 'b' },
        b: { type: 'shout', text: 'Hi' },
        c: { type: 'end', nxt: 'a' },
      },
    });
    expect(problems.map((problem) => [problem.code, problem.node, problem.field])).toEqual([
      ['invalid_definition', 'a', 'text'],
      ['invalid_definition', 'b', 'type'],
      ['invalid_definition', 'c', undefined],
    ]);
    expect(problems[2]?.message).toContain('nxt');
  });

  it('refuses something that is not a flow at all', () => {
    expect(validateFlow('nope')).toEqual([expect.objectContaining({ code: 'invalid_definition' })]);
    expect(validateFlow({ start: 'a', nodes: {} })).toEqual([expect.objectContaining({ code: 'invalid_definition', field: 'nodes' })]);
  });
});

describe('parseFlow', () => {
  it('applies defaults', () => {
    const parsed = parseFlow({ start: 'q', nodes: { q: { type: 'ask', text: 'Ok?', expect: 'yes_no', variable: 'ok', next: 'bye' }, bye: { type: 'end' } } });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.flow.nodes.q).toMatchObject({ max_attempts: 2 });
    expect(parsed.flow.nodes.bye).toEqual({ type: 'end', reason: 'completed' });
  });
});

describe('requiredFlowVariables', () => {
  it('lists the placeholders a call must fill', () => {
    const parsed = parseFlow(appointmentConfirmationFlow);
    if (!parsed.ok) throw new Error('template must be valid');
    expect(requiredFlowVariables(parsed.flow).sort()).toEqual(['appointment_date', 'customer_name']);
  });
});
