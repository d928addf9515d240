/** One entry point over the offline parsers: what an answer means for the kind of question asked. */
import { parseChoice, type ChoiceOption } from './choice.js';
import { parseDate } from './date.js';
import { parseDigits } from './digits.js';
import { parseNumber } from './number.js';
import { parseYesNo } from './yes-no.js';

/**
 * `number` is a quantity ("how many people?": "02" is 2); `digits` is a code read or keyed digit by
 * digit (a PIN, a ZIP code), kept as a string so its leading zeros stay.
 */
export const answerKinds = ['yes_no', 'number', 'date', 'choice', 'text', 'digits'] as const;
/** The kind of answer a question expects. */
export type AnswerKind = (typeof answerKinds)[number];

/** A value the answer gave (yes_no: boolean, number: number, date/choice/text/digits: string), or nothing usable. */
export type Understanding =
  | { readonly understood: true; readonly value: string | number | boolean }
  | { readonly understood: false };

export interface UnderstandOptions {
  /** The options of a `choice` question. */
  readonly choices?: readonly ChoiceOption[];
  /** Reference instant for relative dates; default now. */
  readonly reference?: Date;
  /** IANA timezone of the call for dates. */
  readonly timezone?: string;
}

const notUnderstood: Understanding = { understood: false };

/** Interprets a spoken (transcribed) answer offline. Free text passes through trimmed; empty is not an answer. */
export function understandAnswer(kind: AnswerKind, text: string, options: UnderstandOptions = {}): Understanding {
  switch (kind) {
    case 'yes_no': {
      const answer = parseYesNo(text);
      return answer === 'unclear' ? notUnderstood : { understood: true, value: answer === 'yes' };
    }
    case 'number': {
      const value = parseNumber(text);
      return value === null ? notUnderstood : { understood: true, value };
    }
    case 'date': {
      const parsed = parseDate(text, {
        ...(options.reference ? { reference: options.reference } : {}),
        ...(options.timezone ? { timezone: options.timezone } : {}),
      });
      return parsed ? { understood: true, value: parsed.value } : notUnderstood;
    }
    case 'choice': {
      const match = parseChoice(text, options.choices ?? []);
      return match ? { understood: true, value: match.value } : notUnderstood;
    }
    case 'text': {
      const trimmed = text.trim();
      return trimmed ? { understood: true, value: trimmed } : notUnderstood;
    }
    case 'digits': {
      const digits = parseDigits(text);
      return digits === null ? notUnderstood : { understood: true, value: digits };
    }
  }
}

/**
 * How many keys answer a question of this kind, by the keypad convention `understandDtmf` reads:
 * one for yes/no (1 or 2) and for a choice of up to nine options; undefined when an entry's length
 * is the callee's (a number, free text), so it ends on `#` or a pause.
 */
export function keysToAnswer(kind: AnswerKind, options: Pick<UnderstandOptions, 'choices'> = {}): number | undefined {
  if (kind === 'yes_no') return 1;
  if (kind === 'choice' && (options.choices?.length ?? 0) <= 9) return 1;
  return undefined;
}

/**
 * Interprets keypad digits: yes/no is 1 for yes and 2 for no, a choice is the 1-based position,
 * a number is the digits' value, digits and free text keep them as keyed (leading zeros too). A trailing `#` ends entry and is dropped.
 * Dates cannot be keyed in unambiguously, so digits never answer a date question.
 */
export function understandDtmf(kind: AnswerKind, digits: string, options: UnderstandOptions = {}): Understanding {
  const keyed = digits.replace(/#+$/, '');
  if (!/^[0-9]+$/.test(keyed)) return notUnderstood;
  switch (kind) {
    case 'yes_no':
      return keyed === '1' ? { understood: true, value: true } : keyed === '2' ? { understood: true, value: false } : notUnderstood;
    case 'number':
      return { understood: true, value: Number(keyed) };
    case 'choice': {
      const option = (options.choices ?? [])[Number(keyed) - 1];
      return option ? { understood: true, value: option.value } : notUnderstood;
    }
    case 'text':
    case 'digits':
      return { understood: true, value: keyed };
    case 'date':
      return notUnderstood;
  }
}
