import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../../shared/errors.js';
import type { LlmEvent, LlmRequest } from '../types.js';
import { createScriptedLlm, splitIntoTokens } from './index.js';

const request: LlmRequest = { model: 'scripted-1', messages: [{ role: 'user', content: 'Hello there, how are you?' }] };

async function collect(stream: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const events: LlmEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

function textOf(events: readonly LlmEvent[]): string {
  return events.map((event) => (event.type === 'text' ? event.text : '')).join('');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('splitIntoTokens', () => {
  it.each([
    'Hello there, how are you?',
    '  leading and trailing  ',
    'Internationalization is a long word.',
    '',
    'one\ntwo\n',
  ])('gives back %j when the deltas are joined', (text) => {
    expect(splitIntoTokens(text).join('')).toBe(text);
  });

  it('keeps a word with its leading space and cuts long words', () => {
    expect(splitIntoTokens('Hi there')).toEqual(['Hi', ' there']);
    expect(splitIntoTokens('Internationalization')).toEqual(['Internat', 'ionaliza', 'tion']);
  });
});

describe('createScriptedLlm', () => {
  it('streams a text reply as token deltas, then usage and done', async () => {
    const llm = createScriptedLlm(['Sure, I can help with that.']);
    const events = await collect(llm.stream(request, new AbortController().signal));
    expect(textOf(events)).toBe('Sure, I can help with that.');
    expect(events.filter((event) => event.type === 'text').length).toBe(6);
    expect(events.at(-2)).toEqual({ type: 'usage', inputTokens: 7, outputTokens: 6 });
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
    expect(llm.id).toBe('scripted');
  });

  it('answers replies in order and records each request', async () => {
    const llm = createScriptedLlm(['first', 'second']);
    const signal = new AbortController().signal;
    expect(textOf(await collect(llm.stream(request, signal)))).toBe('first');
    const second = { ...request, temperature: 0 };
    expect(textOf(await collect(llm.stream(second, signal)))).toBe('second');
    expect(llm.requests).toEqual([request, second]);
  });

  it('fails past the end of a list unless told to repeat or cycle', async () => {
    const signal = new AbortController().signal;
    const strict = createScriptedLlm(['only']);
    await collect(strict.stream(request, signal));
    const error = await collect(strict.stream(request, signal)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'scripted', category: 'invalid_request', retryable: false });

    const repeating = createScriptedLlm(['a', 'b'], { whenExhausted: 'repeat_last' });
    const cycling = createScriptedLlm(['a', 'b'], { whenExhausted: 'cycle' });
    const repeated: string[] = [];
    const cycled: string[] = [];
    for (let i = 0; i < 4; i++) {
      repeated.push(textOf(await collect(repeating.stream(request, signal))));
      cycled.push(textOf(await collect(cycling.stream(request, signal))));
    }
    expect(repeated).toEqual(['a', 'b', 'b', 'b']);
    expect(cycled).toEqual(['a', 'b', 'a', 'b']);
  });

  it('replies from a function of the request', async () => {
    const llm = createScriptedLlm((req, index) => {
      const last = req.messages.at(-1);
      return `#${index} echo: ${last?.content ?? ''}`;
    });
    const events = await collect(llm.stream(request, new AbortController().signal));
    expect(textOf(events)).toBe('#0 echo: Hello there, how are you?');
  });

  it('emits tool calls with JSON arguments and finishes with tool_calls', async () => {
    const llm = createScriptedLlm([
      { text: 'One moment.', toolCalls: [{ name: 'end_call', arguments: { reason: 'done' } }, { name: 'noop', arguments: '{}', id: 'x1' }] },
    ]);
    const events = await collect(llm.stream(request, new AbortController().signal));
    expect(events.filter((event) => event.type === 'tool_call')).toEqual([
      { type: 'tool_call', call: { id: 'call_1_1', name: 'end_call', arguments: '{"reason":"done"}' } },
      { type: 'tool_call', call: { id: 'x1', name: 'noop', arguments: '{}' } },
    ]);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
  });

  it('answers a structured-output request with the JSON text of its value', async () => {
    const llm = createScriptedLlm([{ json: { confirmed: true, note: 'all good' } }]);
    const structured: LlmRequest = { ...request, jsonSchema: { name: 'result', schema: { type: 'object' } } };
    const events = await collect(llm.stream(structured, new AbortController().signal));
    expect(JSON.parse(textOf(events))).toEqual({ confirmed: true, note: 'all good' });
  });

  it('throws a ProviderError mid-stream after the given number of deltas', async () => {
    const llm = createScriptedLlm([
      { text: 'This reply will break off here', error: { category: 'server', statusCode: 503 }, failAfterTokens: 3 },
    ]);
    const seen: LlmEvent[] = [];
    const error = await (async () => {
      for await (const event of llm.stream(request, new AbortController().signal)) seen.push(event);
    })().catch((caught: unknown) => caught);
    expect(textOf(seen)).toBe('This reply will');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'scripted', category: 'server', statusCode: 503, retryable: true });
  });

  it('throws a given ProviderError before any output', async () => {
    const failure = ProviderError.fromStatus('openai', 401, 'bad key');
    const llm = createScriptedLlm([{ text: 'never said', error: failure }]);
    const seen: LlmEvent[] = [];
    const error = await (async () => {
      for await (const event of llm.stream(request, new AbortController().signal)) seen.push(event);
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual([]);
    expect(error).toBe(failure);
    expect(failure.retryable).toBe(false);
  });

  it('paces deltas on the clock with a first-token and per-token delay', async () => {
    vi.useFakeTimers();
    const llm = createScriptedLlm(['one two three'], { firstTokenDelayMs: 300, tokenDelayMs: 50 });
    const seen: string[] = [];
    const done = (async () => {
      for await (const event of llm.stream(request, new AbortController().signal)) {
        if (event.type === 'text') seen.push(event.text);
      }
    })();
    await vi.advanceTimersByTimeAsync(299);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual(['one']);
    await vi.advanceTimersByTimeAsync(50);
    expect(seen).toEqual(['one', ' two']);
    await vi.advanceTimersByTimeAsync(50);
    await done;
    expect(seen).toEqual(['one', ' two', ' three']);
  });

  it('stops promptly when the signal is aborted during a pause', async () => {
    vi.useFakeTimers();
    const llm = createScriptedLlm(['one two three'], { tokenDelayMs: 1000 });
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const event of llm.stream(request, controller.signal)) {
        if (event.type === 'text') seen.push(event.text);
      }
    })().catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const error = await done;
    expect(seen).toEqual(['one']);
    expect((error as Error).name).toBe('AbortError');
    expect(vi.getTimerCount()).toBe(0);
  });
});
