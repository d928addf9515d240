/** A chat model with no network: replies come from a script, for dev mode, e2e tests and benchmarks. */
import { ProviderError, type ProviderErrorCategory } from '../../shared/errors.js';
import type { LlmEvent, LlmProvider, LlmRequest, LlmToolCall } from '../types.js';

/** A tool call the script wants the model to make; `arguments` is JSON text or a value to stringify. */
export interface ScriptedToolCall {
  readonly name: string;
  readonly arguments?: unknown;
  /** Defaults to `call_<request>_<index>`, stable across runs. */
  readonly id?: string;
}

/** A failure to simulate: a ready ProviderError, or the parts of one (provider id `scripted`). */
export type ScriptedFailure =
  | ProviderError
  | {
      readonly category: ProviderErrorCategory;
      readonly message?: string;
      readonly statusCode?: number;
      readonly retryable?: boolean;
    };

/** One reply of the model. A bare string is a text reply. */
export type ScriptedReply =
  | string
  | {
      /** Streamed as token-sized deltas. */
      readonly text?: string;
      /** Serialised with JSON.stringify and streamed as text: the answer to a `jsonSchema` request. */
      readonly json?: unknown;
      readonly toolCalls?: readonly ScriptedToolCall[];
      /** Thrown after `failAfterTokens` text deltas (0, the default, fails before any output). */
      readonly error?: ScriptedFailure;
      readonly failAfterTokens?: number;
      readonly finishReason?: 'stop' | 'tool_calls' | 'length' | 'other';
      /** Overrides the per-reply token delay of the options. */
      readonly tokenDelayMs?: number;
    };

/** Replies in order, or a function of the request and its 0-based index among requests. */
export type ScriptedLlmScript =
  | readonly ScriptedReply[]
  | ((request: LlmRequest, index: number) => ScriptedReply | Promise<ScriptedReply>);

export interface ScriptedLlmOptions {
  /** Provider id reported by `id` and on errors; default `scripted`. */
  readonly id?: string;
  /** Pause before the first event, like a model's time to first token; default 0. */
  readonly firstTokenDelayMs?: number;
  /** Pause between text deltas; default 0 (no timers at all, fully synchronous pacing). */
  readonly tokenDelayMs?: number;
  /** What a list script does past its end: fail (default), repeat the last reply, or start over. */
  readonly whenExhausted?: 'error' | 'repeat_last' | 'cycle';
}

/** The scripted model: an LlmProvider that also keeps every request it was sent. */
export interface ScriptedLlm extends LlmProvider {
  /** Requests in the order received, for dev tooling and assertions. */
  readonly requests: readonly LlmRequest[];
}

/** Longest word kept as one delta; longer words are cut, as BPE tokenizers cut rare words. */
const maxTokenChars = 8;

/**
 * Splits text into token-sized deltas (a word with its leading whitespace, long words cut into
 * pieces); concatenating the deltas gives back the text exactly.
 */
export function splitIntoTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const match of text.matchAll(/\s*\S+|\s+$/g)) {
    const piece = match[0];
    const lead = piece.length - piece.trimStart().length;
    const word = piece.slice(lead);
    if (word.length <= maxTokenChars) {
      tokens.push(piece);
      continue;
    }
    for (let at = 0; at < word.length; at += maxTokenChars) {
      tokens.push((at === 0 ? piece.slice(0, lead) : '') + word.slice(at, at + maxTokenChars));
    }
  }
  return tokens;
}

/** Creates a model that answers from `script` without any network. */
export function createScriptedLlm(script: ScriptedLlmScript, options: ScriptedLlmOptions = {}): ScriptedLlm {
  const id = options.id ?? 'scripted';
  const requests: LlmRequest[] = [];

  async function nextReply(request: LlmRequest, index: number): Promise<ScriptedReply> {
    if (typeof script === 'function') return script(request, index);
    if (index < script.length) return script[index]!;
    const policy = options.whenExhausted ?? 'error';
    if (script.length > 0 && policy === 'repeat_last') return script[script.length - 1]!;
    if (script.length > 0 && policy === 'cycle') return script[index % script.length]!;
    throw new ProviderError(id, 'invalid_request', `Scripted model has no reply for request ${index + 1}`, {
      retryable: false,
    });
  }

  return {
    id,
    requests,
    stream(request: LlmRequest, signal: AbortSignal): AsyncIterable<LlmEvent> {
      const index = requests.length;
      requests.push(request);
      return play(id, request, index, nextReply, options, signal);
    },
  };
}

async function* play(
  id: string,
  request: LlmRequest,
  index: number,
  nextReply: (request: LlmRequest, index: number) => Promise<ScriptedReply>,
  options: ScriptedLlmOptions,
  signal: AbortSignal,
): AsyncGenerator<LlmEvent> {
  throwIfAborted(signal);
  const raw = await nextReply(request, index);
  const reply = typeof raw === 'string' ? { text: raw } : raw;
  const text = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
  const tokens = splitIntoTokens(text);
  const tokenDelayMs = reply.tokenDelayMs ?? options.tokenDelayMs ?? 0;

  await pause(options.firstTokenDelayMs ?? 0, signal);
  const failAt = reply.error ? Math.min(reply.failAfterTokens ?? 0, tokens.length) : Infinity;
  for (let i = 0; i < tokens.length; i++) {
    if (i === failAt) throw toProviderError(id, reply.error!);
    if (i > 0) await pause(tokenDelayMs, signal);
    throwIfAborted(signal);
    yield { type: 'text', text: tokens[i]! };
  }
  if (reply.error) throw toProviderError(id, reply.error);

  const calls = (reply.toolCalls ?? []).map((call, n): LlmToolCall => ({
    id: call.id ?? `call_${index + 1}_${n + 1}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
  }));
  for (const call of calls) {
    throwIfAborted(signal);
    yield { type: 'tool_call', call };
  }
  yield { type: 'usage', inputTokens: estimateInputTokens(request), outputTokens: tokens.length + calls.length };
  yield { type: 'done', finishReason: reply.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop') };
}

function toProviderError(id: string, failure: ScriptedFailure): ProviderError {
  if (failure instanceof ProviderError) return failure;
  const message = failure.message ?? `Scripted ${failure.category} failure`;
  return new ProviderError(id, failure.category, message, {
    ...(failure.statusCode !== undefined ? { statusCode: failure.statusCode } : {}),
    ...(failure.retryable !== undefined ? { retryable: failure.retryable } : {}),
  });
}

/** About four characters per token, the usual rule of thumb for English BPE vocabularies. */
function estimateInputTokens(request: LlmRequest): number {
  const chars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
  return Math.ceil(chars / 4);
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/** Waits on a timer (fake-timer friendly); a zero pause never touches the timer queue. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason ?? new DOMException('The operation was aborted', 'AbortError'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
