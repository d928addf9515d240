/** The flow state machine: where the conversation stands and what each answer makes the agent say and do. */
import type { AgentAction, VariableValue } from '../types.js';
import { renderTemplate } from '../template.js';
import type { Understanding } from '../nlu/understand.js';
import { matchesCondition } from './conditions.js';
import type { AskNode, Flow, FlowNode } from './schema.js';

/** What one step of the flow produced, in order: values collected, sentences to say, then at most one action. */
export interface FlowOutput {
  readonly collected: { readonly name: string; readonly value: VariableValue }[];
  readonly say: string[];
  action: AgentAction | null;
}

export const flowPhases = ['not_started', 'waiting', 'finished'] as const;
export type FlowPhase = (typeof flowPhases)[number];

/** Nodes walked in one step before the flow is declared stuck; validation cannot see every set/branch loop. */
const maxStepsPerTurn = 100;
const defaultGoodbye = "I'm sorry, we're out of time. Thank you for talking with me. Goodbye.";
const defaultTransferFailed = "I'm sorry, I couldn't reach anyone to take your call. Someone will call you back. Goodbye.";
const defaultFallback = "I'm sorry, I'm having trouble understanding. Someone will follow up with you. Goodbye.";

/**
 * One conversation's position in a flow. Every method is synchronous and deterministic: the
 * caller interprets the contact's words first, then hands the result here.
 */
export class FlowRun {
  private phase: FlowPhase = 'not_started';
  private pending: string | null = null;
  private attempts = 0;
  private readonly values = new Map<string, VariableValue>();
  /** The transfer node last reached, for when its transfer does not connect. */
  private transferNode: string | null = null;

  constructor(
    private readonly flow: Flow,
    private readonly variables: Readonly<Record<string, VariableValue>>,
    private readonly defaults: Readonly<Record<string, string>>,
  ) {}

  get status(): FlowPhase {
    return this.phase;
  }

  /** The question waiting for an answer, if any. */
  get pendingAsk(): (AskNode & { readonly id: string }) | null {
    const node = this.pending === null ? undefined : this.flow.nodes[this.pending];
    return node?.type === 'ask' ? { ...node, id: this.pending! } : null;
  }

  /** Values collected so far (answers and `set` nodes). */
  get collected(): Readonly<Record<string, VariableValue>> {
    return Object.fromEntries(this.values);
  }

  /** Runs from the start node until a question or the end. */
  start(): FlowOutput {
    const out = emptyOutput();
    if (this.phase !== 'not_started') return out;
    this.phase = 'waiting';
    this.walk(this.flow.start, out);
    return out;
  }

  /** Says the pending question again (after silence), exactly as first asked. */
  repeatQuestion(): FlowOutput {
    const out = emptyOutput();
    const ask = this.pendingAsk;
    if (ask) out.say.push(this.render(ask.text));
    return out;
  }

  /** Applies the interpreted answer to the pending question and moves on. */
  answer(understanding: Understanding): FlowOutput {
    const out = emptyOutput();
    const ask = this.pendingAsk;
    if (!ask) return out;
    if (understanding.understood) {
      this.pending = null;
      this.store(ask.variable, understanding.value, out);
      const target = edgeFor(ask, understanding.value);
      if (target === undefined) this.finish(out, { type: 'end_call', reason: 'flow_error' });
      else this.walk(target, out);
      return out;
    }
    this.attempts += 1;
    if (this.attempts < ask.max_attempts) {
      out.say.push(this.render(ask.reprompt ?? ask.text));
      return out;
    }
    this.pending = null;
    const target = (ask.expect === 'yes_no' ? ask.branches?.unclear : undefined) ?? ask.on_fail;
    if (target !== undefined) this.walk(target, out);
    else this.finish(out, { type: 'end_call', reason: 'not_understood' }, this.flow.fallback ?? defaultFallback);
    return out;
  }

  /** Ends the conversation because time is up, with the flow's goodbye. */
  wrapUp(reason: string): FlowOutput {
    const out = emptyOutput();
    if (this.phase === 'finished') return out;
    this.finish(out, { type: 'end_call', reason }, this.flow.goodbye ?? defaultGoodbye);
    return out;
  }

  /**
   * A warm transfer did not connect and the agent is back with the callee: the transfer node's
   * `on_failure` path, or an apology and the end of the call.
   */
  transferFailed(): FlowOutput {
    const out = emptyOutput();
    const node = this.transferNode === null ? undefined : this.flow.nodes[this.transferNode];
    this.transferNode = null;
    if (node?.type === 'transfer' && node.on_failure) {
      this.phase = 'waiting';
      this.walk(node.on_failure, out);
      return out;
    }
    this.phase = 'waiting';
    this.finish(out, { type: 'end_call', reason: 'transfer_failed' }, defaultTransferFailed);
    return out;
  }

  /** An answering machine took the call: leave the flow's message, or just end. */
  voicemail(): FlowOutput {
    const out = emptyOutput();
    if (this.phase === 'finished') return out;
    const action: AgentAction = this.flow.voicemail
      ? { type: 'leave_voicemail', message: this.render(this.flow.voicemail) }
      : { type: 'end_call', reason: 'voicemail' };
    this.finish(out, action);
    return out;
  }

  /** Text with the call's variables and the values collected so far (collected ones win). */
  render(template: string): string {
    return renderTemplate(template, { ...this.variables, ...Object.fromEntries(this.values) }, {
      ...this.flow.defaults,
      ...this.defaults,
    });
  }

  private walk(startId: string, out: FlowOutput): void {
    let id = startId;
    for (let steps = 0; steps < maxStepsPerTurn; steps++) {
      const node: FlowNode | undefined = this.flow.nodes[id];
      if (!node) return this.finish(out, { type: 'end_call', reason: 'flow_error' });
      switch (node.type) {
        case 'say':
          out.say.push(this.render(node.text));
          id = node.next;
          continue;
        case 'set':
          this.store(node.variable, typeof node.value === 'string' ? this.render(node.value) : node.value, out);
          id = node.next;
          continue;
        case 'branch': {
          const value = this.values.get(node.on) ?? this.variables[node.on];
          id = node.cases.find((branchCase) => matchesCondition(value, branchCase))?.next ?? node.default;
          continue;
        }
        case 'ask':
          out.say.push(this.render(node.text));
          this.pending = id;
          this.attempts = 0;
          return;
        case 'transfer':
          this.transferNode = id;
          return this.finish(
            out,
            { type: 'transfer_call', to: this.render(node.to), mode: node.mode, ...(node.reason ? { reason: node.reason } : {}) },
            node.text,
          );
        case 'end':
          return this.finish(out, { type: 'end_call', reason: node.reason }, node.text);
      }
    }
    this.finish(out, { type: 'end_call', reason: 'flow_loop' });
  }

  private store(name: string, value: VariableValue, out: FlowOutput): void {
    this.values.set(name, value);
    out.collected.push({ name, value });
  }

  private finish(out: FlowOutput, action: AgentAction, text?: string): void {
    if (text) out.say.push(this.render(text));
    out.action = action;
    this.pending = null;
    this.phase = 'finished';
  }
}

/** Where an understood answer leads: its branch, else the choice default, else `next`. */
function edgeFor(ask: AskNode, value: VariableValue): string | undefined {
  const branches = ask.branches ?? {};
  if (ask.expect === 'yes_no') return branches[value === true ? 'yes' : 'no'] ?? ask.next;
  if (ask.expect === 'choice') return branches[String(value)] ?? branches.default ?? ask.next;
  return ask.next;
}

function emptyOutput(): FlowOutput {
  return { collected: [], say: [], action: null };
}
