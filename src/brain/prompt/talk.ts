/** One model reply of a prompt agent: streamed model rounds with tool runs between them. */
import type { LlmResolution } from '../../llm/registry.js';
import type { LlmMessage, LlmToolCall, LlmToolSpec } from '../../llm/types.js';
import type { Toolbox } from '../tools/toolbox.js';
import type { AgentAction, BrainEvent } from '../types.js';
import { ProviderError } from '../../shared/errors.js';
import type { ToolExchange } from './messages.js';

/** What stays the same across one conversation's replies. */
export interface TalkSetup {
  readonly resolution: LlmResolution;
  readonly toolbox: Toolbox;
  /** Tool exchanges of earlier replies; this reply's are appended. */
  readonly history: ToolExchange[];
  readonly temperature?: number | undefined;
  readonly maxTokens?: number | undefined;
  readonly maxRounds: number;
}

/** How a reply ended; `said` is all the text the model produced. */
export type TalkEnd =
  | { readonly kind: 'done'; readonly said: string; readonly endedByTool: boolean }
  | { readonly kind: 'failed'; readonly said: string; readonly reason: 'llm_error' | 'llm_not_configured' }
  | { readonly kind: 'aborted' };

/** One reply's messages and what it may use. */
export interface TalkRequest {
  readonly messages: LlmMessage[];
  /** Tools offered in every round but the last (empty: none). */
  readonly tools: readonly LlmToolSpec[];
  /** Transcript length now: where this reply's tool exchanges belong. */
  readonly afterTurns: number;
  /** Collect the words without yielding them (a voicemail message is spoken from its action). */
  readonly quiet: boolean;
}

/**
 * Streams the model's words as they arrive and runs its tool calls, looping back with the results
 * until it answers without tools. The last allowed round offers no tools, so the model must speak.
 * Never throws: a provider failure or an unresolved model ends it as `failed`.
 */
export async function* talk(setup: TalkSetup, request: TalkRequest, signal: AbortSignal): AsyncGenerator<BrainEvent, TalkEnd> {
  const { resolution } = setup;
  if (!resolution.ok) return { kind: 'failed', said: '', reason: 'llm_not_configured' };
  const { messages } = request;
  let said = '';
  for (let round = 1; round <= setup.maxRounds; round++) {
    const tools = request.tools.length > 0 && round < setup.maxRounds ? request.tools : undefined;
    const calls: LlmToolCall[] = [];
    let text = '';
    try {
      const stream = resolution.provider.stream(
        {
          model: resolution.model,
          messages,
          ...(tools ? { tools } : {}),
          ...(setup.temperature !== undefined ? { temperature: setup.temperature } : {}),
          ...(setup.maxTokens !== undefined ? { maxTokens: setup.maxTokens } : {}),
        },
        signal,
      );
      for await (const event of stream) {
        if (signal.aborted) return { kind: 'aborted' };
        if (event.type === 'text') {
          // A round after a tool run starts a new sentence: it must not run into the last one's words.
          const piece = text === '' && /\S$/.test(said) && /^\S/.test(event.text) ? ` ${event.text}` : event.text;
          text += piece;
          said += piece;
          if (!request.quiet) yield { type: 'text', text: piece };
        } else if (event.type === 'tool_call' && tools) {
          calls.push(event.call);
        }
      }
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      yield modelError(error);
      return { kind: 'failed', said, reason: 'llm_error' };
    }
    if (signal.aborted) return { kind: 'aborted' };
    if (calls.length === 0) return { kind: 'done', said, endedByTool: false };
    const outcome = yield* runTools(setup, calls, text, messages, request.afterTurns, signal);
    if (outcome === 'aborted') return { kind: 'aborted' };
    if (outcome === 'ended') return { kind: 'done', said, endedByTool: true };
  }
  return { kind: 'done', said, endedByTool: false };
}

/**
 * Runs one round's tool calls in order: tool_call and tool_result events, the results appended
 * for the next round, the exchange remembered for later replies, then the calls' actions. Once a
 * call ends the turn (hang up, transfer, voicemail) the calls after it are answered, not run.
 */
async function* runTools(
  setup: TalkSetup,
  calls: readonly LlmToolCall[],
  textBefore: string,
  messages: LlmMessage[],
  afterTurns: number,
  signal: AbortSignal,
): AsyncGenerator<BrainEvent, 'continue' | 'ended' | 'aborted'> {
  const results: LlmMessage[] = [];
  const actions: AgentAction[] = [];
  let ended = false;
  for (const call of calls) {
    if (signal.aborted) return 'aborted';
    yield { type: 'tool_call', id: call.id, name: call.name, arguments: leniently(call.arguments) };
    let ok = false;
    let result: unknown = { error: 'Not run: the call is already ending.' };
    if (!ended) {
      try {
        const run = await setup.toolbox.run(call, signal);
        ({ ok, result } = run);
        if (run.action) actions.push(run.action);
        ended = run.endsTurn;
      } catch {
        // The toolbox turns every tool failure into a result; only the conversation's abort lands here.
        return 'aborted';
      }
    }
    if (signal.aborted) return 'aborted';
    yield { type: 'tool_result', id: call.id, name: call.name, ok, result };
    results.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(result) });
  }
  messages.push({ role: 'assistant', content: textBefore, toolCalls: calls }, ...results);
  // The transcript will hold the words; the remembered exchange holds only the calls, so nothing is said twice.
  setup.history.push({ afterTurns, messages: [{ role: 'assistant', content: '', toolCalls: calls }, ...results] });
  for (const action of actions) {
    if (signal.aborted) return 'aborted';
    yield { type: 'action', action };
  }
  return ended ? 'ended' : 'continue';
}

/** What the call's events keep of a model failure: Parley's own description of it, never the provider's body. */
function modelError(error: unknown): Extract<BrainEvent, { type: 'model_error' }> {
  if (error instanceof ProviderError) {
    return { type: 'model_error', provider: error.provider, category: error.category, status_code: error.statusCode ?? null, message: error.message };
  }
  return { type: 'model_error', provider: null, category: 'unknown', status_code: null, message: 'The model client failed unexpectedly' };
}

/** The arguments as the tool_call event shows them: parsed JSON, or the raw text when it is not JSON. */
function leniently(text: string): unknown {
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return text;
  }
}
