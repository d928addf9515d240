/** Asks a model what an answer means when the offline parsers cannot tell, or to distil free text. */
import type { ChoiceOption } from './choice.js';
import { dateValue } from './date.js';
import { completeJson, type LlmBinding } from './llm-json.js';
import type { AnswerKind, Understanding } from './understand.js';

export interface LlmInterpretRequest {
  readonly kind: AnswerKind;
  /** What the agent asked, as said. */
  readonly question: string;
  /** What the contact answered, as transcribed. */
  readonly answer: string;
  readonly choices?: readonly ChoiceOption[];
  /** "Today" for relative dates. */
  readonly reference: Date;
  readonly timezone?: string;
}

const notUnderstood: Understanding = { understood: false };

/**
 * Interprets one answer with the model's structured output and checks the reply against the
 * kind asked (an enum value, a number, an ISO date); anything else counts as not understood.
 * Provider failures propagate so the caller can decide to fall back.
 */
export async function interpretWithLlm(
  llm: LlmBinding,
  request: LlmInterpretRequest,
  signal: AbortSignal,
): Promise<Understanding> {
  const values = (request.choices ?? []).map((choice) => choice.value);
  const reply = await completeJson(
    llm,
    {
      messages: [
        { role: 'system', content: instructions(request) },
        {
          role: 'user',
          content: JSON.stringify({
            question: request.question,
            answer: request.answer,
            ...(request.kind === 'choice' ? { options: request.choices } : {}),
          }),
        },
      ],
      temperature: 0,
      jsonSchema: {
        name: 'answer',
        schema: {
          type: 'object',
          properties: { answer: answerSchema(request.kind, values) },
          required: ['answer'],
          additionalProperties: false,
        },
      },
    },
    signal,
  );
  if (!reply.ok || typeof reply.value !== 'object' || reply.value === null) return notUnderstood;
  return readAnswer(request, values, (reply.value as { answer?: unknown }).answer);
}

function instructions(request: LlmInterpretRequest): string {
  const today = request.reference.toISOString().slice(0, 10);
  const byKind: Record<AnswerKind, string> = {
    yes_no: 'Say whether the caller answered yes or no; use "unclear" if they did not clearly answer.',
    number: 'Give the number the caller said, or null if they gave none.',
    date: `Give the date the caller named as YYYY-MM-DD, or YYYY-MM-DDTHH:mm if they also named a time, or null. Today is ${today}${request.timezone ? ` in ${request.timezone}` : ''}; dates are in the future.`,
    choice: 'Give the value of the option the caller chose, or null if they chose none or several.',
    text: 'Give the caller\'s answer to the question in a few words, or null if they did not answer it.',
    digits: 'Give the digits the caller said, in order, as a string of 0-9 only (keep leading zeros), or null if they gave none.',
  };
  return `You interpret a phone caller's answer to one question. ${byKind[request.kind]} Reply with a JSON object only.`;
}

function answerSchema(kind: AnswerKind, values: readonly string[]): Record<string, unknown> {
  switch (kind) {
    case 'yes_no':
      return { type: 'string', enum: ['yes', 'no', 'unclear'] };
    case 'number':
      return { type: ['number', 'null'] };
    case 'choice':
      return { type: ['string', 'null'], enum: [...values, null] };
    case 'date':
    case 'text':
    case 'digits':
      return { type: ['string', 'null'] };
  }
}

function readAnswer(request: LlmInterpretRequest, values: readonly string[], answer: unknown): Understanding {
  switch (request.kind) {
    case 'yes_no':
      return answer === 'yes' || answer === 'no' ? { understood: true, value: answer === 'yes' } : notUnderstood;
    case 'number':
      return typeof answer === 'number' && Number.isFinite(answer) ? { understood: true, value: answer } : notUnderstood;
    case 'choice':
      return typeof answer === 'string' && values.includes(answer) ? { understood: true, value: answer } : notUnderstood;
    case 'text':
      return typeof answer === 'string' && answer.trim() ? { understood: true, value: answer.trim() } : notUnderstood;
    case 'digits':
      return typeof answer === 'string' && /^\d{1,64}$/.test(answer) ? { understood: true, value: answer } : notUnderstood;
    case 'date': {
      const match = typeof answer === 'string' ? /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/.exec(answer) : null;
      if (!match || Number.isNaN(Date.parse(match[1]!))) return notUnderstood;
      return { understood: true, value: dateValue(match[1]!, match[2] ?? null, request.timezone) };
    }
  }
}
