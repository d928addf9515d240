/** Offline choice among a set: the value or a listed synonym, an ordinal ("the first one"), or fuzzy word overlap. */
import { editDistance, phraseAt, words } from './normalize.js';

/** One option of a choice question; `synonyms` are other ways a contact may name it. */
export interface ChoiceOption {
  readonly value: string;
  readonly synonyms?: readonly string[];
}

export const choiceMethods = ['exact', 'synonym', 'ordinal', 'fuzzy'] as const;
/** How a choice was recognised, from most to least certain. */
export type ChoiceMethod = (typeof choiceMethods)[number];

export interface ChoiceMatch {
  readonly value: string;
  /** 0-based position of the option in the list. */
  readonly index: number;
  readonly method: ChoiceMethod;
  /** 1 for exact, synonym and ordinal; the overlap share for fuzzy. */
  readonly score: number;
}

const ordinalWords = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];
const cardinalWords = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
/** Words that carry no choice: "I'd like the one in the morning please" is about "morning". */
const stopwords = new Set([
  'the', 'a', 'an', 'i', "i'd", "i'll", "i'm", 'id', 'like', 'would', 'please', 'prefer', 'want', 'take', 'one', 'option',
  'that', 'this', 'is', 'it', "it's", 'for', 'me', 'my', "let's", 'go', 'with', 'to', 'of', 'in', 'on', 'at', 'um', 'uh',
  'guess', 'think', 'maybe', 'be', 'best', 'better', 'works', 'sounds', 'good', 'do', 'can', 'we', 'you', 'and', 'or',
  'yes', 'yeah', 'ok', 'okay', 'sure', 'just', 'then', 'will', 'choose', 'pick', 'rather',
]);
/** A fuzzy match must cover at least half of an option's words and beat every other option. */
const fuzzyMinScore = 0.5;
/** Words this long may differ by one letter ("tuesdy"); shorter ones must match exactly. */
const fuzzyMinChars = 4;

/** Which option the contact chose, or null when none or more than one fits. */
export function parseChoice(text: string, options: readonly ChoiceOption[]): ChoiceMatch | null {
  const tokens = words(text);
  if (tokens.length === 0 || options.length === 0) return null;
  return byName(tokens, options) ?? byOrdinal(tokens, options) ?? byOverlap(tokens, options);
}

/** The value or a synonym appears as a phrase; the longest phrase wins ("tuesday morning" over "tuesday"). */
function byName(tokens: readonly string[], options: readonly ChoiceOption[]): ChoiceMatch | null {
  const found: { index: number; length: number; synonym: boolean; start: number }[] = [];
  options.forEach((option, index) => {
    const names = [{ name: option.value, synonym: false }, ...(option.synonyms ?? []).map((name) => ({ name, synonym: true }))];
    for (const { name, synonym } of names) {
      const phrase = words(name);
      if (phrase.length === 0) continue;
      for (let at = 0; at + phrase.length <= tokens.length; at++) {
        if (phraseAt(tokens, phrase, at)) found.push({ index, length: phrase.length, synonym, start: at });
      }
    }
  });
  // A match inside a longer match of another option does not count.
  const standing = found.filter(
    (match) =>
      !found.some(
        (other) =>
          other.index !== match.index &&
          other.length > match.length &&
          other.start <= match.start &&
          other.start + other.length >= match.start + match.length,
      ),
  );
  const indexes = new Set(standing.map((match) => match.index));
  if (indexes.size !== 1) return null;
  const [index] = indexes;
  const exact = standing.some((match) => !match.synonym);
  return { value: options[index!]!.value, index: index!, method: exact ? 'exact' : 'synonym', score: 1 };
}

/** "The first one", "number two", "option 3", "the last one", or a bare number. */
function byOrdinal(tokens: readonly string[], options: readonly ChoiceOption[]): ChoiceMatch | null {
  const positions = new Set<number>();
  tokens.forEach((token, at) => {
    const ordinal = ordinalWords.indexOf(token);
    if (ordinal >= 0) positions.add(ordinal);
    const numbered = /^(\d+)(?:st|nd|rd|th)?$/.exec(token);
    const afterMarker = at > 0 && ['number', 'option', 'choice', 'no'].includes(tokens[at - 1]!);
    if (numbered && (tokens.length === 1 || afterMarker || /\D$/.test(token))) positions.add(Number(numbered[1]) - 1);
    const cardinal = cardinalWords.indexOf(token);
    if (cardinal >= 0 && (afterMarker || tokens.length === 1)) positions.add(cardinal);
    if (token === 'last' || token === 'latter') positions.add(options.length - 1);
    if (token === 'former') positions.add(0);
  });
  const valid = [...positions].filter((index) => index >= 0 && index < options.length);
  if (valid.length !== 1) return null;
  const index = valid[0]!;
  return { value: options[index]!.value, index, method: 'ordinal', score: 1 };
}

/** Share of an option's content words the utterance contains, allowing one typo in longer words. */
function byOverlap(tokens: readonly string[], options: readonly ChoiceOption[]): ChoiceMatch | null {
  const said = tokens.filter((token) => !stopwords.has(token));
  if (said.length === 0) return null;
  const scores = options.map((option) => {
    const names = [option.value, ...(option.synonyms ?? [])];
    return Math.max(...names.map((name) => overlap(said, contentWords(name))));
  });
  const best = Math.max(...scores);
  const winners = scores.filter((score) => score === best).length;
  if (best < fuzzyMinScore || winners !== 1) return null;
  const index = scores.indexOf(best);
  return { value: options[index]!.value, index, method: 'fuzzy', score: best };
}

function contentWords(name: string): string[] {
  const all = words(name);
  const content = all.filter((token) => !stopwords.has(token));
  return content.length > 0 ? content : all;
}

function overlap(said: readonly string[], name: readonly string[]): number {
  if (name.length === 0) return 0;
  const hits = name.filter((word) => said.some((token) => similar(token, word))).length;
  return hits / name.length;
}

function similar(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length < fuzzyMinChars || b.length < fuzzyMinChars) return false;
  // Plurals and small typos: "mornings", "tuesdy".
  return a.startsWith(b) || b.startsWith(a) ? Math.abs(a.length - b.length) <= 2 : editDistance(a, b, 1) <= 1;
}
