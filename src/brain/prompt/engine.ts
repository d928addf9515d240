/**
 * The prompt-agent brain: an LLM holds the conversation from the agent's prompt, streaming its
 * words as they come, running tools between rounds and turning call-control tools into actions.
 */
import type { AgentLlmSettings, LlmResolution } from '../../llm/registry.js';
import { renderTemplate } from '../template.js';
import { builtinToolNames } from '../tools/builtin.js';
import type { UrlCheck } from '../tools/http-tool.js';
import { createToolbox } from '../tools/toolbox.js';
import type { BrainEvent, Conversation, ConversationContext, ConversationEngine, ConversationTurn, Cue } from '../types.js';
import { systemPrompt } from './instructions.js';
import { buildMessages, type ToolExchange } from './messages.js';
import { parsePromptSettings } from './settings.js';
import { talk, type TalkEnd, type TalkSetup } from './talk.js';

/** Spoken when the model fails mid-call: never leave the person in silence. */
export const APOLOGY = "I'm sorry, I'm having trouble right now. I'll have someone call you back.";
/** Said when the model cannot produce its own goodbye at the end of the call. */
export const FALLBACK_GOODBYE = 'Thank you for your time. Goodbye!';
/** Model rounds per reply; the last one is offered no tools, so the model has to speak. */
export const DEFAULT_MAX_TOOL_ROUNDS = 5;

/** What the prompt engine needs from the server. */
export interface PromptEngineDeps {
  /** The server's resolveLlm with its defaults bound. */
  readonly resolveLlm: (settings: AgentLlmSettings) => LlmResolution;
  /** For HTTP tools; global fetch by default. */
  readonly fetch?: typeof fetch;
  /** Tells the model today's date; Date by default. */
  readonly clock?: { now(): number };
  /** SSRF policy for HTTP tool URLs. */
  readonly checkToolUrl?: UrlCheck;
  readonly maxToolRounds?: number;
}

/**
 * A ConversationEngine for agents whose settings kind is `prompt` (or absent). `open` throws
 * VALIDATION_FAILED for settings that do not parse; an agent with no usable model still opens
 * (its greeting needs none) and apologises and hangs up when it would need the model.
 */
export function createPromptEngine(deps: PromptEngineDeps): ConversationEngine {
  return { open: (context) => openConversation(context, deps) };
}

function openConversation(context: ConversationContext, deps: PromptEngineDeps): Conversation {
  const { agent, variables } = context;
  const settings = parsePromptSettings(agent.settings);
  const history: ToolExchange[] = [];
  const setup: TalkSetup = {
    resolution: deps.resolveLlm(settings.llm),
    toolbox: createToolbox({
      builtins: builtinToolNames,
      transferNumbers: context.transferNumbers ?? settings.transfer_numbers,
      httpTools: settings.tools,
      variables,
      variableDefaults: agent.variableDefaults,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.checkToolUrl ? { checkUrl: deps.checkToolUrl } : {}),
    }),
    history,
    temperature: settings.llm.temperature,
    maxTokens: settings.llm.max_tokens,
    maxRounds: Math.max(1, deps.maxToolRounds ?? DEFAULT_MAX_TOOL_ROUNDS),
  };
  const clock = deps.clock ?? Date;
  const render = (template: string): string => renderTemplate(template, variables, agent.variableDefaults).trim();
  const greeting = agent.greeting ? render(agent.greeting) : '';

  function modelReply(turns: readonly ConversationTurn[], cue: Cue, options: { tools: boolean; quiet: boolean }, signal: AbortSignal): AsyncGenerator<BrainEvent, TalkEnd> {
    const tools = options.tools ? setup.toolbox.specs : [];
    const messages = buildMessages({ system: systemPrompt(context, tools, clock.now()), firstSpeaker: agent.firstSpeaker, turns, history, cue });
    return talk(setup, { messages, tools, afterTurns: turns.length, quiet: options.quiet }, signal);
  }

  async function* reply(turns: readonly ConversationTurn[], cue: Cue, signal: AbortSignal): AsyncGenerator<BrainEvent> {
    const end = yield* modelReply(turns, cue, { tools: true, quiet: false }, signal);
    if (end.kind !== 'failed' || signal.aborted) return;
    // Whatever was said stays said; the apology follows it, then the call ends.
    yield { type: 'text', text: end.said && !/\s$/.test(end.said) ? ` ${APOLOGY}` : APOLOGY };
    yield { type: 'action', action: { type: 'end_call', reason: end.reason } };
  }

  async function* wrapUp(turns: readonly ConversationTurn[], cue: Extract<Cue, { type: 'wrap_up' }>, signal: AbortSignal): AsyncGenerator<BrainEvent> {
    const end = yield* modelReply(turns, cue, { tools: false, quiet: false }, signal);
    if (end.kind === 'aborted' || signal.aborted) return;
    // The goodbye matters more than who words it: a fixed one stands in for a model that failed.
    if (!end.said.trim()) yield { type: 'text', text: FALLBACK_GOODBYE };
    else if (end.kind === 'failed') yield { type: 'text', text: /\s$/.test(end.said) ? FALLBACK_GOODBYE : ` ${FALLBACK_GOODBYE}` };
    yield { type: 'action', action: { type: 'end_call', reason: cue.reason } };
  }

  async function* voicemail(turns: readonly ConversationTurn[], cue: Cue, signal: AbortSignal): AsyncGenerator<BrainEvent> {
    const policy = settings.voicemail;
    if (!policy || policy.action === 'hang_up') {
      yield { type: 'action', action: { type: 'end_call', reason: 'voicemail' } };
      return;
    }
    if (policy.message?.trim()) {
      yield { type: 'action', action: { type: 'leave_voicemail', message: render(policy.message) } };
      return;
    }
    // The line speaks the message from the action, so the model's words are collected, not streamed.
    const end = yield* modelReply(turns, cue, { tools: false, quiet: true }, signal);
    if (end.kind === 'aborted' || signal.aborted) return;
    const message = end.kind === 'done' ? end.said.trim() : '';
    yield message
      ? { type: 'action', action: { type: 'leave_voicemail', message } }
      : { type: 'action', action: { type: 'end_call', reason: end.kind === 'failed' ? end.reason : 'voicemail' } };
  }

  return {
    firstSpeaker: agent.firstSpeaker,
    async *respond(turns, cue, signal) {
      if (signal.aborted) return;
      switch (cue.type) {
        case 'start':
        case 'contact_turn': {
          const agentHasSpoken = turns.some((turn) => turn.role === 'agent');
          // The greeting is the author's exact words: no model call, no latency.
          if (greeting && !agentHasSpoken && (cue.type === 'start' || agent.firstSpeaker === 'contact')) {
            yield { type: 'text', text: greeting };
            return;
          }
          yield* reply(turns, cue, signal);
          return;
        }
        case 'silence':
        case 'dtmf':
        case 'transfer_failed':
          yield* reply(turns, cue, signal);
          return;
        case 'wrap_up':
          yield* wrapUp(turns, cue, signal);
          return;
        case 'voicemail':
          yield* voicemail(turns, cue, signal);
          return;
      }
    },
  };
}
