/**
 * The contract every LLM provider meets, as a vitest suite run against each provider through its
 * protocol fake: streaming, tool-call joining, usage, error categories, disconnects and abort.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../shared/errors.js';
import type { LlmEvent, LlmProvider, LlmRequest } from './types.js';

/** What the suite asks of a fake for one request (a subset of the fakes' script vocabulary). */
export interface LlmContractScript {
  readonly text?: readonly string[];
  readonly toolCalls?: readonly { readonly id?: string; readonly name: string; readonly argumentPieces: readonly string[] }[];
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  readonly error?: { readonly status: number };
  readonly disconnectAfterPieces?: number;
  readonly stallAfterPieces?: number;
}

/** The fake's control surface the suite uses. */
export interface LlmContractFake {
  enqueue(...scripts: LlmContractScript[]): void;
  readonly requests: readonly unknown[];
  /** Responses still being written: zero once an aborted request's connection is gone. */
  readonly openResponses: number;
}

/** A provider wired to its fake, plus how that vendor delivers a structured (JSON) answer. */
export interface LlmContractSubject {
  readonly provider: LlmProvider;
  readonly fake: LlmContractFake;
  /** The script by which the vendor answers a `jsonSchema` request with these JSON pieces. */
  jsonAnswer(schemaName: string, pieces: readonly string[]): LlmContractScript;
  close(): Promise<void>;
}

const request: LlmRequest = {
  model: 'contract-model',
  messages: [
    { role: 'system', content: 'You are a test.' },
    { role: 'user', content: 'Say hello.' },
  ],
};

async function collect(stream: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const events: LlmEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

async function failure(stream: AsyncIterable<LlmEvent>): Promise<{ events: LlmEvent[]; error: unknown }> {
  const events: LlmEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    return { events, error };
  }
  throw new Error('the stream ended without an error');
}

const texts = (events: readonly LlmEvent[]): string[] =>
  events.flatMap((event) => (event.type === 'text' ? [event.text] : []));

/** Registers the contract suite for one provider; `start` builds a provider pointed at its fake. */
export function describeLlmContract(name: string, start: () => Promise<LlmContractSubject>): void {
  describe(`LLM contract: ${name}`, () => {
    let subject: LlmContractSubject;
    const signal = (): AbortSignal => new AbortController().signal;

    beforeAll(async () => {
      subject = await start();
    });
    afterAll(async () => {
      await subject.close();
    });

    it('streams text pieces in order, then usage, then done', async () => {
      subject.fake.enqueue({ text: ['Hel', 'lo', ' there.'], usage: { inputTokens: 21, outputTokens: 3 } });
      const events = await collect(subject.provider.stream(request, signal()));
      expect(texts(events)).toEqual(['Hel', 'lo', ' there.']);
      expect(events.slice(-2)).toEqual([
        { type: 'usage', inputTokens: 21, outputTokens: 3 },
        { type: 'done', finishReason: 'stop' },
      ]);
    });

    it('yields the first words while the completion is still open', async () => {
      subject.fake.enqueue({ text: ['First words.', ' Never sent.'], stallAfterPieces: 1 });
      const controller = new AbortController();
      const iterator = subject.provider.stream(request, controller.signal)[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.value).toEqual({ type: 'text', text: 'First words.' });
      controller.abort();
      await iterator.next().catch(() => undefined);
    });

    it('joins tool-call fragments into complete calls', async () => {
      subject.fake.enqueue({
        text: ['One moment.'],
        toolCalls: [
          { id: 'call_a', name: 'lookup_order', argumentPieces: ['{"order', '_id": "A', '-17"}'] },
          { id: 'call_b', name: 'end_call', argumentPieces: ['{"reason":', ' "done"}'] },
        ],
      });
      const events = await collect(subject.provider.stream({ ...request, tools: [
        { name: 'lookup_order', description: 'Finds an order.', parameters: { type: 'object', properties: { order_id: { type: 'string' } } } },
        { name: 'end_call', description: 'Ends the call.', parameters: { type: 'object', properties: { reason: { type: 'string' } } } },
      ] }, signal()));
      expect(events.filter((event) => event.type === 'tool_call')).toEqual([
        { type: 'tool_call', call: { id: 'call_a', name: 'lookup_order', arguments: '{"order_id": "A-17"}' } },
        { type: 'tool_call', call: { id: 'call_b', name: 'end_call', arguments: '{"reason": "done"}' } },
      ]);
      expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
    });

    it('replays a tool round trip the service accepts', async () => {
      subject.fake.enqueue({ text: ['Your order ships today.'] });
      const events = await collect(subject.provider.stream({
        ...request,
        messages: [
          ...request.messages,
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_x', name: 'lookup_order', arguments: '{"order_id":"A-17"}' }] },
          { role: 'tool', toolCallId: 'call_x', content: '{"status":"shipping"}' },
        ],
      }, signal()));
      expect(texts(events).join('')).toBe('Your order ships today.');
    });

    it('answers a jsonSchema request with the JSON as text', async () => {
      subject.fake.enqueue(subject.jsonAnswer('outcome', ['{"interested":', ' true}']));
      const events = await collect(subject.provider.stream({
        ...request,
        jsonSchema: { name: 'outcome', schema: { type: 'object', properties: { interested: { type: 'boolean' } } } },
      }, signal()));
      expect(JSON.parse(texts(events).join(''))).toEqual({ interested: true });
      expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
    });

    it.each([
      [401, 'auth', false],
      [429, 'rate_limit', true],
      [500, 'server', true],
    ] as const)('maps an HTTP %i to a %s ProviderError (retryable: %s)', async (status, category, retryable) => {
      subject.fake.enqueue({ error: { status } });
      const { events, error } = await failure(subject.provider.stream(request, signal()));
      expect(events).toEqual([]);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ provider: subject.provider.id, category, retryable, statusCode: status });
    });

    it('turns a mid-stream disconnect into a retryable connectivity error', async () => {
      subject.fake.enqueue({ text: ['Half a', ' sentence'], disconnectAfterPieces: 1 });
      const { events, error } = await failure(subject.provider.stream(request, signal()));
      expect(texts(events)).toEqual(['Half a']);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ category: 'connectivity', retryable: true });
    });

    it('stops promptly on abort, yields nothing more and closes the connection', async () => {
      subject.fake.enqueue({ text: ['Started', ' never finished'], stallAfterPieces: 1 });
      const controller = new AbortController();
      const events: LlmEvent[] = [];
      let thrown: unknown = null;
      const startedMs = Date.now();
      try {
        for await (const event of subject.provider.stream(request, controller.signal)) {
          events.push(event);
          controller.abort();
        }
      } catch (error) {
        thrown = error;
      }
      expect(Date.now() - startedMs).toBeLessThan(2000);
      expect(events).toEqual([{ type: 'text', text: 'Started' }]);
      // Aborting is not a provider failure: no retry wrapper may treat it as one.
      expect(thrown).not.toBeInstanceOf(ProviderError);
      await vi.waitFor(() => expect(subject.fake.openResponses).toBe(0), { timeout: 2000 });
    });

    it('sends nothing when the signal is already aborted', async () => {
      const before = subject.fake.requests.length;
      const controller = new AbortController();
      controller.abort();
      const { error } = await failure(subject.provider.stream(request, controller.signal));
      expect(error).not.toBeInstanceOf(ProviderError);
      expect(subject.fake.requests.length).toBe(before);
    });
  });
}
