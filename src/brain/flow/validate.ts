/** Checks a flow definition and names every problem (node and field), for the API's 422 answer. */
import { placeholders } from '../template.js';
import { flowSchema, type Flow, type FlowNode } from './schema.js';

export const flowProblemCodes = [
  'invalid_definition',
  'missing_start',
  'dangling_edge',
  'unreachable_node',
  'ask_without_exit',
  'unknown_branch',
  'missing_choices',
  'duplicate_choice',
  'no_way_to_end',
  'transfer_redial_loop',
] as const;
export type FlowProblemCode = (typeof flowProblemCodes)[number];

/** One thing wrong with a flow. `node` and `field` say where; messages hold ids, never spoken text. */
export interface FlowProblem {
  readonly code: FlowProblemCode;
  readonly message: string;
  readonly node?: string;
  /** Path inside the node (`next`, `branches.yes`, `cases.0.next`) or inside the flow for definition errors. */
  readonly field?: string;
}

/** An edge out of a node: where it leads and which field holds it. */
export interface FlowEdge {
  readonly field: string;
  readonly target: string;
}

/** Every edge a node has, in a stable order. */
export function edgesOf(node: FlowNode): FlowEdge[] {
  switch (node.type) {
    case 'say':
    case 'set':
      return [{ field: 'next', target: node.next }];
    case 'ask':
      return [
        ...(node.next !== undefined ? [{ field: 'next', target: node.next }] : []),
        ...Object.entries(node.branches ?? {}).map(([key, target]) => ({ field: `branches.${key}`, target })),
        ...(node.on_fail !== undefined ? [{ field: 'on_fail', target: node.on_fail }] : []),
      ];
    case 'branch':
      return [
        ...node.cases.map((branchCase, i) => ({ field: `cases.${i}.next`, target: branchCase.next })),
        { field: 'default', target: node.default },
      ];
    case 'transfer':
      return node.on_failure !== undefined ? [{ field: 'on_failure', target: node.on_failure }] : [];
    case 'end':
      return [];
  }
}

/** The flow parsed with defaults applied, or its problems. */
export function parseFlow(input: unknown): { ok: true; flow: Flow } | { ok: false; problems: FlowProblem[] } {
  const problems = validateFlow(input);
  return problems.length === 0 ? { ok: true, flow: flowSchema.parse(input) } : { ok: false, problems };
}

/** Every problem of a flow definition; an empty list means the flow can run. */
export function validateFlow(input: unknown): FlowProblem[] {
  const parsed = flowSchema.safeParse(input);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => {
      const path = issue.path.map(String);
      if (path.length === 1 && path[0] === 'start') {
        return { code: 'missing_start', message: `The flow has no valid start: ${issue.message}`, field: 'start' };
      }
      const node = path[0] === 'nodes' && path.length >= 2 ? path[1] : undefined;
      const field = node !== undefined ? path.slice(2).join('.') : path.join('.');
      return {
        code: 'invalid_definition',
        message: node !== undefined ? `Node "${node}"${field ? ` field ${field}` : ''}: ${issue.message}` : `${field || 'flow'}: ${issue.message}`,
        ...(node !== undefined ? { node } : {}),
        ...(field ? { field } : {}),
      };
    });
  }
  const flow = parsed.data;
  const problems: FlowProblem[] = [];
  if (!(flow.start in flow.nodes)) {
    problems.push({ code: 'missing_start', message: `The start node "${flow.start}" does not exist`, field: 'start' });
  }
  for (const [id, node] of Object.entries(flow.nodes)) {
    for (const edge of edgesOf(node)) {
      if (!(edge.target in flow.nodes)) {
        problems.push({
          code: 'dangling_edge',
          message: `Node "${id}" field ${edge.field} leads to "${edge.target}", which does not exist`,
          node: id,
          field: edge.field,
        });
      }
    }
    if (node.type === 'ask') problems.push(...askProblems(id, node));
  }
  problems.push(...graphProblems(flow));
  return problems;
}

function askProblems(id: string, node: Extract<FlowNode, { type: 'ask' }>): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const branches = node.branches ?? {};
  const allowed =
    node.expect === 'yes_no'
      ? ['yes', 'no', 'unclear']
      : node.expect === 'choice'
        ? [...(node.choices ?? []).map((choice) => choice.value), 'default']
        : [];
  for (const key of Object.keys(branches)) {
    if (!allowed.includes(key)) {
      const expected = allowed.length > 0 ? `one of ${allowed.join(', ')}` : `no branches for ${node.expect} (use next)`;
      problems.push({ code: 'unknown_branch', message: `Node "${id}" has a branch "${key}"; expected ${expected}`, node: id, field: `branches.${key}` });
    }
  }
  if (node.expect === 'choice') {
    if (!node.choices?.length) {
      problems.push({ code: 'missing_choices', message: `Node "${id}" expects a choice but lists no choices`, node: id, field: 'choices' });
    }
    const seen = new Set<string>();
    for (const choice of node.choices ?? []) {
      const key = choice.value.toLowerCase();
      if (seen.has(key)) problems.push({ code: 'duplicate_choice', message: `Node "${id}" lists the choice "${choice.value}" twice`, node: id, field: 'choices' });
      seen.add(key);
    }
  }
  if (node.next !== undefined) return problems;
  const unrouted =
    node.expect === 'yes_no'
      ? ['yes', 'no'].filter((answer) => branches[answer] === undefined)
      : node.expect === 'choice'
        ? branches.default !== undefined
          ? []
          : (node.choices ?? []).map((choice) => choice.value).filter((value) => branches[value] === undefined)
        : ['any answer'];
  if (unrouted.length > 0 || (node.expect === 'choice' && Object.keys(branches).length === 0)) {
    problems.push({
      code: 'ask_without_exit',
      message: `Node "${id}" has no way out for ${unrouted.length > 0 ? unrouted.join(', ') : 'any answer'}: add next${node.expect === 'yes_no' || node.expect === 'choice' ? ' or branches' : ''}`,
      node: id,
      field: node.expect === 'yes_no' || node.expect === 'choice' ? 'branches' : 'next',
    });
  }
  return problems;
}

/** Unreachable nodes, and reachable nodes from which no end or transfer can be reached (a loop with no exit). */
function graphProblems(flow: Flow): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const ids = Object.keys(flow.nodes);
  const targets = (id: string): string[] => edgesOf(flow.nodes[id]!).map((edge) => edge.target).filter((target) => target in flow.nodes);

  const reachable = new Set<string>();
  const queue = flow.start in flow.nodes ? [flow.start] : [];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (reachable.has(id)) continue;
    reachable.add(id);
    queue.push(...targets(id));
  }
  if (reachable.size > 0) {
    for (const id of ids) {
      if (!reachable.has(id)) problems.push({ code: 'unreachable_node', message: `Node "${id}" cannot be reached from the start`, node: id });
    }
  }

  // Walk backwards from the nodes that end a call to find every node that can still get there.
  const canEnd = new Set(ids.filter((id) => ['end', 'transfer'].includes(flow.nodes[id]!.type)));
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of ids) {
      if (!canEnd.has(id) && targets(id).some((target) => canEnd.has(target))) {
        canEnd.add(id);
        changed = true;
      }
    }
  }
  for (const id of ids) {
    if (reachable.has(id) && !canEnd.has(id)) {
      problems.push({ code: 'no_way_to_end', message: `Node "${id}" can never reach an end or transfer node`, node: id });
    }
  }
  problems.push(...redialLoops(flow, targets));
  return problems;
}

/**
 * A transfer whose failure path comes back to it without asking the callee anything would dial
 * the target again and again (a busy line answers in a second) until the call's time runs out:
 * every way back from `on_failure` must pass through an ask.
 */
function redialLoops(flow: Flow, targets: (id: string) => string[]): FlowProblem[] {
  const problems: FlowProblem[] = [];
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type !== 'transfer' || node.on_failure === undefined || !(node.on_failure in flow.nodes)) continue;
    const seen = new Set<string>();
    const queue = [node.on_failure];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (next === id) {
        problems.push({ code: 'transfer_redial_loop', message: `Node "${id}" comes back to itself from on_failure without asking the callee anything: it would dial the target again and again`, node: id, field: 'on_failure' });
        break;
      }
      if (seen.has(next) || flow.nodes[next]!.type === 'ask') continue;
      seen.add(next);
      queue.push(...targets(next));
    }
  }
  return problems;
}

/**
 * Placeholders the flow's texts use that neither an ask, a `set` node nor `flow.defaults` supply:
 * the variables a call must give (the API checks them at call creation, as for prompt agents).
 */
export function requiredFlowVariables(flow: Flow): string[] {
  const produced = new Set<string>(Object.keys(flow.defaults ?? {}));
  const texts: string[] = [flow.goodbye, flow.fallback, flow.voicemail].filter((text): text is string => !!text);
  for (const node of Object.values(flow.nodes)) {
    if (node.type === 'ask') produced.add(node.variable);
    if (node.type === 'set') produced.add(node.variable);
    if ('text' in node && node.text) texts.push(node.text);
    if (node.type === 'ask' && node.reprompt) texts.push(node.reprompt);
    if (node.type === 'set' && typeof node.value === 'string') texts.push(node.value);
    if (node.type === 'transfer') texts.push(node.to);
  }
  return [...new Set(texts.flatMap((text) => placeholders(text)))].filter((name) => !produced.has(name));
}
