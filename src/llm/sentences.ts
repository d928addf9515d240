/**
 * Streaming sentence splitter: text deltas in, whole sentences out as soon as each one ends, so
 * speech synthesis can start on the first sentence while the model is still writing the rest.
 */

const TERMINATORS = new Set(['.', '!', '?', '…']);
/** CJK full stops need no space after them: the next character already starts a sentence. */
const CJK_TERMINATORS = new Set(['。', '！', '？']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '»']);
const OPENERS = /^["'“‘(\[«]+/;

/** Words that end in a full stop without ending the sentence (lower case, without the dot). */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'mx', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'ft', 'vs', 'approx', 'apt', 'dept', 'est', 'fig',
  'inc', 'ltd', 'co', 'corp', 'llc', 'ave', 'blvd', 'rd', 'tel', 'ext', 'ref', 'vol',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
  'mon', 'tue', 'tues', 'wed', 'thu', 'thur', 'thurs', 'fri',
  // Left out on purpose, as whole words end phone sentences: "No.", "That's the max.", "I sat."
]);

const isSpace = (ch: string): boolean => /\s/.test(ch);

/**
 * Whether the full stop at `dot` belongs to a word rather than ending the sentence: a title or
 * other abbreviation ("Dr.", "approx."), an initial ("J."), letters with dots ("e.g.", "a.m.",
 * "U.S.") or a list number at the start of a line ("1.").
 */
function isAbbreviation(text: string, dot: number): boolean {
  let start = dot;
  while (start > 0 && !isSpace(text[start - 1]!)) start--;
  const word = text.slice(start, dot).replace(OPENERS, '');
  if (word === '') return false;
  // Only text before the dot decides, so the answer never depends on how the deltas were cut.
  if (ABBREVIATIONS.has(word.toLowerCase())) return true;
  if (/^[A-Za-z]$/.test(word)) return true;
  if (/^(?:[A-Za-z]\.)+[A-Za-z]$/.test(word)) return true;
  return start === 0 && /^\d{1,2}$/.test(word);
}

/**
 * Feed it deltas with `push`; each call returns the sentences completed so far. A sentence ends
 * at `.`, `!`, `?` or `…` followed by whitespace (closing quotes may come between), or at a line
 * break; a full stop inside a number ("3.5"), after an abbreviation ("Dr.", "e.g.") or in a time
 * ("10:30 a.m.") does not end one. `flush` returns what is left once the text is complete.
 */
export class SentenceSplitter {
  private buffer = '';
  /** Where scanning resumes: text before it holds no boundary. */
  private scanFrom = 0;

  push(delta: string): string[] {
    this.buffer += delta;
    return this.drain();
  }

  /** The rest of the text as a last sentence (if any); the splitter is empty afterwards. */
  flush(): string[] {
    const sentences = this.drain();
    const rest = this.buffer.trim();
    this.buffer = '';
    this.scanFrom = 0;
    if (rest) sentences.push(rest);
    return sentences;
  }

  private drain(): string[] {
    const sentences: string[] = [];
    const cut = (end: number): void => {
      const sentence = this.buffer.slice(0, end).trim();
      this.buffer = this.buffer.slice(end).trimStart();
      if (sentence) sentences.push(sentence);
    };
    let i = this.scanFrom;
    while (i < this.buffer.length) {
      const ch = this.buffer[i]!;
      if (ch === '\n') {
        cut(i + 1);
        i = 0;
        continue;
      }
      const cjk = CJK_TERMINATORS.has(ch);
      if (!cjk && !TERMINATORS.has(ch)) {
        i++;
        continue;
      }
      let end = i + 1;
      while (end < this.buffer.length && (TERMINATORS.has(this.buffer[end]!) || CJK_TERMINATORS.has(this.buffer[end]!))) end++;
      while (end < this.buffer.length && CLOSERS.has(this.buffer[end]!)) end++;
      // What follows decides; it has not arrived yet.
      if (end >= this.buffer.length) break;
      const singleDot = ch === '.' && end === i + 1;
      if (cjk || (isSpace(this.buffer[end]!) && !(singleDot && isAbbreviation(this.buffer, i)))) {
        cut(end);
        i = 0;
        continue;
      }
      i = end;
    }
    this.scanFrom = i;
    return sentences;
  }
}

/** Sentences of a stream of text deltas, each yielded as soon as it is complete. */
export async function* splitSentences(deltas: AsyncIterable<string>): AsyncGenerator<string> {
  const splitter = new SentenceSplitter();
  for await (const delta of deltas) yield* splitter.push(delta);
  yield* splitter.flush();
}
