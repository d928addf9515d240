/** Offline number understanding: digits, number words, and the mixes speech-to-text produces ("2 hundred"). */
import { words } from './normalize.js';

const unitNames = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const tenNames = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const unitOrdinals = ['zeroth', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth'];
const tenOrdinals = ['twentieth', 'thirtieth', 'fortieth', 'fiftieth', 'sixtieth', 'seventieth', 'eightieth', 'ninetieth'];

/** Word -> value for cardinal units and tens ("twenty"), with the one misspelling transcripts often carry. */
const cardinalValues = new Map<string, number>([
  ...unitNames.map((name, value) => [name, value] as const),
  ...tenNames.map((name, i) => [name, (i + 2) * 10] as const),
  ['fourty', 40],
]);
/** Word -> value for ordinals ("third", "twentieth"); kept apart so "the second one" is not read as 21. */
const ordinalValues = new Map<string, number>([
  ...unitOrdinals.map((name, value) => [name, value] as const),
  ...tenOrdinals.map((name, i) => [name, (i + 2) * 10] as const),
]);
const scaleValues = new Map<string, number>([
  ['hundred', 100], ['hundredth', 100], ['thousand', 1_000], ['thousandth', 1_000],
  ['million', 1_000_000], ['billion', 1_000_000_000], ['dozen', 12],
]);

const digitToken = /^-?\d+(?:,\d{3})*(?:\.\d+)?(?:st|nd|rd|th)?$/;

type Item =
  | { readonly kind: 'small'; readonly value: number; readonly ordinal: boolean }
  | { readonly kind: 'digits'; readonly value: number }
  | { readonly kind: 'scale'; readonly value: number }
  | { readonly kind: 'point' };

/** Every number in the utterance, in order. "one two three" (digits read one by one) is 123. */
export function parseNumbers(text: string): number[] {
  const tokens = words(text);
  const numbers: number[] = [];
  let at = 0;
  while (at < tokens.length) {
    const sign = (tokens[at] === 'minus' || tokens[at] === 'negative') && itemOf(tokens[at + 1]) ? -1 : 1;
    const start = sign < 0 ? at + 1 : at;
    const run = readRun(tokens, start);
    if (run.items.length === 0) {
      at += 1;
      continue;
    }
    numbers.push(...composeRun(run.items).map((value, i) => (i === 0 ? sign * value : value)));
    at = run.end;
  }
  return numbers;
}

/** The first number in the utterance, or null when there is none. */
export function parseNumber(text: string): number | null {
  return parseNumbers(text)[0] ?? null;
}

function itemOf(token: string | undefined): Item | null {
  if (token === undefined) return null;
  if (digitToken.test(token)) {
    return { kind: 'digits', value: Number(token.replace(/,/g, '').replace(/(st|nd|rd|th)$/, '')) };
  }
  const cardinal = cardinalValues.get(token);
  if (cardinal !== undefined) return { kind: 'small', value: cardinal, ordinal: false };
  const ordinal = ordinalValues.get(token);
  if (ordinal !== undefined) return { kind: 'small', value: ordinal, ordinal: true };
  const scale = scaleValues.get(token);
  if (scale !== undefined) return { kind: 'scale', value: scale };
  if (token === 'point') return { kind: 'point' };
  return null;
}

/** A maximal stretch of number tokens; "and" and "a" only count inside a number ("a hundred and five"). */
function readRun(tokens: readonly string[], start: number): { items: Item[]; end: number } {
  const items: Item[] = [];
  let at = start;
  while (at < tokens.length) {
    const token = tokens[at]!;
    const item = itemOf(token);
    if (item && !(item.kind === 'point' && !itemOf(tokens[at + 1]))) {
      items.push(item);
      at += 1;
      continue;
    }
    const next = itemOf(tokens[at + 1]);
    if ((token === 'a' || token === 'an') && items.length === 0 && next?.kind === 'scale') {
      items.push({ kind: 'small', value: 1, ordinal: false });
      at += 1;
      continue;
    }
    if (token === 'and' && items.at(-1)?.kind === 'scale' && next && next.kind !== 'scale' && next.kind !== 'point') {
      at += 1;
      continue;
    }
    break;
  }
  return { items, end: Math.max(at, start + 1) };
}

/**
 * Composes items into numbers: a small value after a ten joins it ("twenty three"), scales
 * multiply ("2 hundred", "two hundred fifty thousand"), and anything else starts a new number.
 */
function composeRun(items: readonly Item[]): number[] {
  const numbers: number[] = [];
  let total = 0;
  let current: number | null = null;
  let last: Item | null = null;
  const flush = (): void => {
    if (current !== null || total !== 0) numbers.push(total + (current ?? 0));
    total = 0;
    current = null;
  };
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.kind === 'point') {
      let digits = '';
      for (let next = items[i + 1]; next?.kind === 'small' && next.value < 10; next = items[i + 1]) {
        digits += String(next.value);
        i += 1;
      }
      current = (current ?? 0) + Number(`0.${digits || '0'}`);
      last = item;
      continue;
    }
    if (item.kind === 'scale') {
      const base: number = current ?? (total === 0 ? 1 : 0);
      if (item.value >= 1_000) {
        total += (base === 0 ? 1 : base) * item.value;
        current = null;
      } else {
        current = base * item.value;
      }
      last = item;
      continue;
    }
    if (current !== null && !joins(last, item, current)) flush();
    current = (current ?? 0) + item.value;
    last = item;
  }
  flush();
  return readDigitByDigit(items, numbers);
}

/** Whether a value continues the number so far: after a scale ("hundred" + "five") or a ten ("twenty" + "three"). */
function joins(last: Item | null, item: { readonly value: number }, current: number): boolean {
  if (last?.kind === 'scale') return item.value < last.value;
  const afterTen = last?.kind === 'small' && current >= 20 && current % 10 === 0 && current % 100 !== 0;
  return afterTen && item.value < 10;
}

/** Single digits spoken one after another ("four five six") are one number, as in codes read out. */
function readDigitByDigit(items: readonly Item[], numbers: number[]): number[] {
  const digits = items.map((item) => (item.kind === 'small' && !item.ordinal && item.value < 10 ? String(item.value) : null));
  const allSingle = digits.length > 1 && digits.every((digit) => digit !== null);
  return allSingle ? [Number(digits.join(''))] : numbers;
}

const numberWord = [...unitNames, ...tenNames, ...unitOrdinals, ...tenOrdinals, 'fourty', 'hundred', 'thousand'].join('|');
const numberWordSpan = new RegExp(`\\b(?:${numberWord})(?:(?:[\\s-]+|[\\s-]+and[\\s-]+)(?:${numberWord}))*\\b`, 'gi');

/**
 * Rewrites number words as digits inside free text, keeping everything else ("the twenty first
 * at three" -> "the 21st at 3"), for parsers such as chrono that read digits better than words.
 */
export function replaceNumberWords(text: string): string {
  return text.replace(numberWordSpan, (span) => {
    const tokens = words(span);
    const values = composeRun(tokens.map((token) => itemOf(token)).filter((item): item is Item => item !== null));
    const lastWord = tokens.at(-1) ?? '';
    const suffix = ordinalValues.has(lastWord) ? ordinalSuffix(values.at(-1) ?? 0) : '';
    return values.map((value, i) => (i === values.length - 1 ? `${value}${suffix}` : String(value))).join(' ');
  });
}

function ordinalSuffix(value: number): string {
  const lastTwo = value % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return 'th';
  return ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[value % 10] ?? 'th';
}
