import { describe, expect, it } from 'vitest';
import { createScriptedLlm } from '../../llm/scripted/index.js';
import { interpretWithLlm } from './llm-assist.js';
import { completeJson } from './llm-json.js';
import { keysToAnswer, understandAnswer, understandDtmf } from './understand.js';

const reference = new Date('2025-03-10T14:00:00Z');
const choices = [{ value: 'morning' }, { value: 'afternoon' }];
const signal = new AbortController().signal;

describe('understandAnswer', () => {
  it.each([
    ['yes_no', 'Yes, that works for me.', true],
    ['yes_no', 'nope', false],
    ['number', 'twenty three', 23],
    ['date', 'Friday at 3 pm', '2025-03-14T15:00-04:00'],
    ['choice', 'the afternoon', 'afternoon'],
    ['text', '  Please call after five  ', 'Please call after five'],
    ['digits', 'zero one two three', '0123'],
    ['digits', "It's 0123, thanks.", '0123'],
    ['digits', 'Oh, nine four one oh three', '94103'],
    ['digits', 'double five six', '556'],
    ['digits', 'twenty three', '23'],
    ['digits', 'ninety four one oh three', '94103'],
  ] as const)('reads a %s answer %j', (kind, text, value) => {
    expect(understandAnswer(kind, text, { reference, timezone: 'America/New_York', choices })).toEqual({ understood: true, value });
  });

  it.each([
    ['yes_no', 'maybe'],
    ['number', 'a few'],
    ['date', 'whenever'],
    ['choice', 'neither'],
    ['text', '   '],
  ] as const)('does not understand a %s answer %j', (kind, text) => {
    expect(understandAnswer(kind, text, { reference, choices })).toEqual({ understood: false });
  });
});

describe('keysToAnswer', () => {
  it('takes one key for a yes/no or a choice of up to nine, and leaves a code or a number open', () => {
    expect(keysToAnswer('yes_no')).toBe(1);
    expect(keysToAnswer('choice', { choices })).toBe(1);
    expect(keysToAnswer('choice', { choices: Array.from({ length: 10 }, (_, i) => ({ value: `o${i}` })) })).toBeUndefined();
    expect(keysToAnswer('digits')).toBeUndefined();
    expect(keysToAnswer('number')).toBeUndefined();
  });
});

describe('understandDtmf', () => {
  it.each([
    ['yes_no', '1', true],
    ['yes_no', '2', false],
    ['number', '42#', 42],
    ['choice', '2', 'afternoon'],
    ['text', '1234', '1234'],
    ['digits', '0123#', '0123'],
    // A quantity keyed with a leading zero is still that quantity.
    ['number', '02#', 2],
  ] as const)('reads %s keys %j', (kind, digits, value) => {
    expect(understandDtmf(kind, digits, { choices })).toEqual({ understood: true, value });
  });

  it.each([
    ['yes_no', '3'],
    ['choice', '3'],
    ['choice', '0'],
    ['number', '*'],
    ['date', '0314'],
  ] as const)('rejects %s keys %j', (kind, digits) => {
    expect(understandDtmf(kind, digits, { choices })).toEqual({ understood: false });
  });
});

describe('interpretWithLlm', () => {
  const base = { question: 'Would you like to reschedule?', answer: 'I mean, ideally, if it is not a bother', reference };

  it('asks for structured output and accepts an answer of the right kind', async () => {
    const llm = createScriptedLlm([{ json: { answer: 'yes' } }]);
    const result = await interpretWithLlm({ provider: llm, model: 'm' }, { ...base, kind: 'yes_no' }, signal);
    expect(result).toEqual({ understood: true, value: true });
    const request = llm.requests[0]!;
    expect(request.model).toBe('m');
    expect(request.jsonSchema?.schema).toMatchObject({ properties: { answer: { enum: ['yes', 'no', 'unclear'] } } });
    expect(request.messages[1]?.content).toContain('if it is not a bother');
  });

  it('turns a date answer into the stored form in the call timezone', async () => {
    const llm = createScriptedLlm([{ json: { answer: '2025-03-14T15:00' } }]);
    const result = await interpretWithLlm(
      { provider: llm, model: 'm' },
      { ...base, kind: 'date', timezone: 'America/New_York' },
      signal,
    );
    expect(result).toEqual({ understood: true, value: '2025-03-14T15:00-04:00' });
  });

  it.each([
    ['yes_no', { answer: 'unclear' }],
    ['choice', { answer: 'night' }],
    ['number', { answer: 'five' }],
    ['date', { answer: 'next week' }],
    ['text', { answer: null }],
    ['yes_no', 'not json at all'],
  ] as const)('treats a %s reply %j as not understood', async (kind, reply) => {
    const llm = createScriptedLlm([typeof reply === 'string' ? reply : { json: reply }]);
    const result = await interpretWithLlm({ provider: llm, model: 'm' }, { ...base, kind, choices }, signal);
    expect(result).toEqual({ understood: false });
  });
});

describe('completeJson', () => {
  it('reads JSON inside a code fence and keeps the raw text of a non-JSON reply', async () => {
    const fenced = createScriptedLlm(['```json\n{"a": 1}\n```', 'Sorry, I cannot help.']);
    const llm = { provider: fenced, model: 'm' };
    const request = { messages: [{ role: 'user' as const, content: 'x' }] };
    expect(await completeJson(llm, request, signal)).toEqual({ ok: true, value: { a: 1 } });
    expect(await completeJson(llm, request, signal)).toEqual({ ok: false, raw: 'Sorry, I cannot help.' });
  });
});
