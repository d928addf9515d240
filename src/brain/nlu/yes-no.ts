/** Offline yes/no understanding: phrasings, negation, and a leading answer word that decides. */
import { clauseBreak, phraseAt, tokenize } from './normalize.js';

export const yesNoAnswers = ['yes', 'no', 'unclear'] as const;
/** What a contact meant by an answer to a yes/no question. */
export type YesNo = (typeof yesNoAnswers)[number];

type Polarity = 'yes' | 'no' | 'unclear';
/** A strong signal is an answer word ("yes", "nope"); a soft one merely leans ("fine", "works"). */
interface Signal {
  readonly polarity: Polarity;
  readonly strong: boolean;
  readonly at: number;
}

/**
 * Multi-word expressions whose meaning differs from their words, longest listed first;
 * `neutral` ones only hide their words ("good morning" is no answer).
 */
const phrases: readonly (readonly [string, Polarity | 'neutral', boolean])[] = [
  ["i don't think so", 'no', true],
  ["don't think so", 'no', true],
  ['i would rather not', 'no', true],
  ["i'd rather not", 'no', true],
  ['rather not', 'no', true],
  ['of course not', 'no', true],
  ['absolutely not', 'no', true],
  ['definitely not', 'no', true],
  ['certainly not', 'no', true],
  ['not a problem', 'yes', false],
  ['no problem', 'yes', false],
  ['no worries', 'yes', false],
  ['no doubt', 'yes', false],
  ['why not', 'yes', false],
  ['not really', 'no', true],
  ['not at all', 'no', true],
  ['no thank you', 'no', true],
  ['no thanks', 'no', true],
  ['not interested', 'no', true],
  ['no way', 'no', true],
  ['not yet', 'no', false],
  ["i'm not sure", 'unclear', false],
  ['not sure', 'unclear', false],
  ["don't know", 'unclear', false],
  ["doesn't matter", 'unclear', false],
  ['no idea', 'unclear', false],
  ['it depends', 'unclear', false],
  ['hold on', 'unclear', false],
  ['of course', 'yes', true],
  ['i think so', 'yes', false],
  ['i guess so', 'yes', false],
  ['sounds good', 'yes', false],
  ['go ahead', 'yes', false],
  ['all right', 'yes', false],
  ['you bet', 'yes', true],
  ['for sure', 'yes', true],
  ['uh huh', 'yes', true],
  ['mm hmm', 'yes', true],
  ['be there', 'yes', false],
  ['make it', 'yes', false],
  ['would work', 'yes', false],
  ['will work', 'yes', false],
  ["that'll work", 'yes', false],
  ['say that again', 'unclear', false],
  ['what was that', 'unclear', false],
  ['right now', 'neutral', false],
  ['good morning', 'neutral', false],
  ['good afternoon', 'neutral', false],
  ['good evening', 'neutral', false],
];
const phraseTokens = phrases.map(([text, polarity, strong]) => [text.split(' '), polarity, strong] as const);

const strongYes = new Set(['yes', 'yeah', 'yep', 'yup', 'yea', 'ya', 'yah', 'aye', 'affirmative', 'absolutely', 'definitely', 'certainly', 'sure', 'correct', 'exactly', 'indeed', 'mhm']);
const softYes = new Set(['ok', 'okay', 'alright', 'right', 'fine', 'good', 'great', 'perfect', 'works', 'agreed', 'agree', 'confirm', 'confirmed', 'true', 'gladly', 'happy']);
const strongNo = new Set(['no', 'nope', 'nah', 'negative', 'never', 'incorrect', 'wrong', 'nay']);
const unclearWords = new Set(['maybe', 'perhaps', 'possibly', 'probably', 'dunno', 'unsure', 'repeat', 'pardon']);
const negators = new Set([
  'not', "n't", 'cannot', "can't", "won't", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't",
  "wouldn't", "couldn't", "shouldn't", "haven't", "hasn't", "ain't", "hardly",
]);
/** Sounds and words that may precede the answer without being it ("Oh, yes", "Well, no"). */
const fillers = new Set(['um', 'uh', 'umm', 'uhh', 'er', 'erm', 'ah', 'oh', 'well', 'hmm', 'so', 'like', 'hey', 'hi', 'hello']);
/** How far back a negator reaches: "that does not really work" still negates "work". */
const negationReach = 3;

/**
 * Reads an answer to a yes/no question. Decisions, each covered by a test:
 * - a leading answer word decides unless a strong opposite answer follows ("No, that's fine" is
 *   no; "yeah, no" is unclear), or an opposite follows "but" ("Yes, but I can't make it" is unclear);
 * - otherwise all signals must agree ("That works for me" is yes, "I can't" is no);
 * - a yes word within three words after a negator flips ("that doesn't work" is no);
 * - hedges ("maybe", "not sure", "I don't know") and silence are unclear.
 */
export function parseYesNo(text: string): YesNo {
  const tokens = tokenize(text);
  const signals = findSignals(tokens);
  if (signals.length === 0) return 'unclear';

  const first = signals[0]!;
  const leading = first.strong && first.polarity !== 'unclear' && onlyFillersBefore(tokens, first.at);
  if (leading) {
    const butAt = tokens.indexOf('but');
    for (const signal of signals.slice(1)) {
      if (signal.polarity === 'unclear' || signal.polarity === first.polarity) continue;
      if (signal.strong || (butAt >= 0 && signal.at > butAt)) return 'unclear';
    }
    return first.polarity;
  }
  if (signals.some((signal) => signal.polarity === 'unclear')) return 'unclear';
  const polarities = new Set(signals.map((signal) => signal.polarity));
  return polarities.size === 1 ? first.polarity : 'unclear';
}

function findSignals(tokens: readonly string[]): Signal[] {
  const signals: Signal[] = [];
  const consumed = new Set<number>();
  for (let at = 0; at < tokens.length; at++) {
    const phrase = phraseTokens.find(([words]) => phraseAt(tokens, words, at));
    if (!phrase) continue;
    const [words, polarity, strong] = phrase;
    if (polarity !== 'neutral') {
      const negated = polarity === 'yes' && negatorBefore(tokens, at, consumed);
      signals.push({ polarity: negated ? 'no' : polarity, strong: strong && !negated, at });
    }
    for (let i = 0; i < words.length; i++) consumed.add(at + i);
    at += words.length - 1;
  }
  for (let at = 0; at < tokens.length; at++) {
    if (consumed.has(at)) continue;
    const token = tokens[at]!;
    if (strongYes.has(token) || softYes.has(token)) {
      const negated = negatorBefore(tokens, at, consumed);
      signals.push({ polarity: negated ? 'no' : 'yes', strong: strongYes.has(token) && !negated, at });
    } else if (strongNo.has(token)) {
      signals.push({ polarity: 'no', strong: true, at });
    } else if (unclearWords.has(token)) {
      signals.push({ polarity: 'unclear', strong: false, at });
    }
  }
  // A negator no yes word used is a refusal on its own: "I can't", "I won't be able to".
  for (let at = 0; at < tokens.length; at++) {
    if (!consumed.has(at) && isNegator(tokens[at]!)) signals.push({ polarity: 'no', strong: false, at });
  }
  return signals.sort((a, b) => a.at - b.at);
}

/** Looks back within the clause for a negator, marking it used so it is not counted twice. */
function negatorBefore(tokens: readonly string[], at: number, consumed: Set<number>): boolean {
  for (let i = at - 1; i >= 0 && i >= at - negationReach; i--) {
    const token = tokens[i]!;
    if (token === clauseBreak) return false;
    if (!consumed.has(i) && isNegator(token)) {
      consumed.add(i);
      return true;
    }
  }
  return false;
}

function isNegator(token: string): boolean {
  return negators.has(token) || token.endsWith("n't");
}

function onlyFillersBefore(tokens: readonly string[], at: number): boolean {
  for (let i = 0; i < at; i++) {
    const token = tokens[i]!;
    if (token !== clauseBreak && !fillers.has(token)) return false;
  }
  return true;
}
