/** Turns an utterance into lowercase word tokens with clause breaks, the common input of every parser here. */

/** Marks a clause boundary (comma, period, dash...) in a token list. */
export const clauseBreak = '|';

/**
 * Lowercase word tokens of an utterance. Curly apostrophes become straight ones so "can’t" and
 * "can't" agree; hyphenated words split ("mm-hmm" -> "mm", "hmm"); punctuation that ends a
 * clause (but not the point or comma inside "2.5" or "1,200") becomes {@link clauseBreak} so negation does not reach across "No, that's fine".
 */
export function tokenize(text: string): string[] {
  const cleaned = text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/[;:!?()[\]{}"\u201c\u201d\u2026]+|[.,](?!\d)|(?<!\d)[.,]|\s[-\u2013\u2014]+\s/g, ` ${clauseBreak} `)
    .replace(/(\p{L})-(?=\p{L})/gu, '$1 ')
    .replace(/[^\p{L}\p{N}'|.,\s-]/gu, ' ');
  const tokens: string[] = [];
  for (const raw of cleaned.split(/\s+/)) {
    const token = raw.replace(/^'+|'+$/g, '');
    if (!/[\p{L}\p{N}|]/u.test(token)) continue;
    if (token === clauseBreak && (tokens.length === 0 || tokens.at(-1) === clauseBreak)) continue;
    tokens.push(token);
  }
  while (tokens.at(-1) === clauseBreak) tokens.pop();
  return tokens;
}

/** Tokens without clause breaks, for matching that ignores punctuation. */
export function words(text: string): string[] {
  return tokenize(text).filter((token) => token !== clauseBreak);
}

/** Lowercase words joined by single spaces: the canonical form used to compare phrases. */
export function canonical(text: string): string {
  return words(text).join(' ');
}

/** True if `phrase` (already tokenized) occurs in `tokens` as consecutive tokens starting at `at`. */
export function phraseAt(tokens: readonly string[], phrase: readonly string[], at: number): boolean {
  if (at + phrase.length > tokens.length) return false;
  for (let i = 0; i < phrase.length; i++) if (tokens[at + i] !== phrase[i]) return false;
  return true;
}

/** Levenshtein distance, capped: returns `cap + 1` as soon as the distance must exceed `cap`. */
export function editDistance(a: string, b: string, cap = 2): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > cap) return cap + 1;
    previous = current;
  }
  return Math.min(previous[b.length]!, cap + 1);
}
