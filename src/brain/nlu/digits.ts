/**
 * Offline understanding of a code read out digit by digit (a PIN, a ZIP code, an account number):
 * the digits as a string, so "zero one two three" is "0123", not the number 123.
 */
import { parseNumbers } from './number.js';
import { clauseBreak, tokenize, words } from './normalize.js';

const digitWords = new Map<string, string>(
  ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'].map((name, value) => [name, String(value)]),
);
/** "Oh" is a zero only between other digits ("four oh one"); on its own it is a sigh ("Oh, it's 1234"). */
const zeroLetters = new Set(['oh', 'o']);
const repeats = new Map([['double', 2], ['triple', 3]]);
/** Words of numbers above nine: a code said in groups ("twenty three") is read as numbers, not digit words. */
const groupWords = /^(ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fourty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)$/;

/** A token's digits: "0123", "94-103", "seven"; undefined for any other word. */
function digitsOf(token: string): string | undefined {
  if (/^\d[\d-]*$/.test(token)) return token.replace(/-/g, '');
  return digitWords.get(token);
}

/**
 * The digits of the first run of digits in the utterance ("it's nine four one oh three" ->
 * "94103"; "double five" -> "55"); a code said in groups is read as its numbers in order
 * ("twenty three" -> "23"); null when there are no digits.
 */
export function parseDigits(text: string): string | null {
  const said = words(text);
  if (said.some((word) => groupWords.test(word))) {
    const spelled = said.map((word, i) => (zeroLetters.has(word) && i > 0 ? 'zero' : word)).join(' ');
    const numbers = parseNumbers(spelled).filter((n) => Number.isInteger(n) && n >= 0);
    return numbers.length > 0 ? numbers.join('') : null;
  }
  const tokens = tokenize(text);
  let run = '';
  for (let at = 0; at < tokens.length; at++) {
    const token = tokens[at]!;
    // "9 4 1, 0 3": a comma a transcriber put between digits does not end the code.
    if (token === clauseBreak) continue;
    const times = repeats.get(token);
    const next = times ? digitsOf(tokens[at + 1] ?? '') : undefined;
    if (times && next?.length === 1) {
      run += next.repeat(times);
      at++;
      continue;
    }
    const digits = digitsOf(token);
    const zero = zeroLetters.has(token) && (run !== '' || digitsOf(tokens[at + 1] ?? '') !== undefined);
    if (digits !== undefined || zero) {
      run += digits ?? '0';
      continue;
    }
    if (run) break;
  }
  return run || null;
}
