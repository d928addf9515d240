import { describe, expect, it } from 'vitest';
import { SentenceSplitter, splitSentences } from './sentences.js';

function whole(text: string): string[] {
  const splitter = new SentenceSplitter();
  return [...splitter.push(text), ...splitter.flush()];
}

/** Feeds `text` cut at the given positions. */
function chunked(text: string, cuts: readonly number[]): string[] {
  const splitter = new SentenceSplitter();
  const out: string[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...splitter.push(text.slice(from, cut)));
    from = cut;
  }
  return [...out, ...splitter.flush()];
}

/** A small deterministic PRNG (mulberry32) so the "random" cuts are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const corpus = [
  'Dr. Smith will call you at 10:30 a.m. tomorrow. It costs 3.5 dollars, e.g. for the basic plan! Is that okay?',
  'Hi there! This is Anna from Acme Co. calling about your order No. 12345… Do you have a minute?',
  'Great.\nI will send it to J. Doe at 221 Baker St. in London. "Is that right?" she asked. Yes.',
  'Wait... really?! That is 100.00 dollars. Mr. and Mrs. Jones live in the U.S. now. OK',
  '今日は。お元気ですか？ Fine, thanks.',
  '1. First we check.\n2. Then we call back at 5 p.m. today. Bye!',
  'No. I am not interested. Please remove me from your list.',
];

/** Whitespace between sentences is the splitter's to drop; every other character must survive. */
const normalise = (text: string): string => text.replace(/\s+/g, '');

describe('SentenceSplitter', () => {
  it('splits at sentence ends but not after abbreviations, initials, decimals or times', () => {
    expect(whole(corpus[0]!)).toEqual([
      'Dr. Smith will call you at 10:30 a.m. tomorrow.',
      'It costs 3.5 dollars, e.g. for the basic plan!',
      'Is that okay?',
    ]);
    expect(whole(corpus[2]!)).toEqual([
      'Great.',
      'I will send it to J. Doe at 221 Baker St. in London.',
      '"Is that right?"',
      'she asked.',
      'Yes.',
    ]);
    expect(whole(corpus[3]!)).toEqual(['Wait...', 'really?!', 'That is 100.00 dollars.', 'Mr. and Mrs. Jones live in the U.S. now.', 'OK']);
  });

  it('ends a sentence at a line break and keeps a list number with its line', () => {
    expect(whole(corpus[5]!)).toEqual(['1. First we check.', '2. Then we call back at 5 p.m. today.', 'Bye!']);
  });

  it('treats a bare "No." as a whole answer', () => {
    expect(whole(corpus[6]!)).toEqual(['No.', 'I am not interested.', 'Please remove me from your list.']);
  });

  it('splits CJK sentences, which have no space after the stop', () => {
    expect(whole(corpus[4]!)).toEqual(['今日は。', 'お元気ですか？', 'Fine, thanks.']);
  });

  it('hands out the first sentence as soon as the next word begins, before the text ends', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Hello')).toEqual([]);
    expect(splitter.push(' there.')).toEqual([]);
    expect(splitter.push(' How')).toEqual(['Hello there.']);
    expect(splitter.push(' are you')).toEqual([]);
    expect(splitter.flush()).toEqual(['How are you']);
    expect(splitter.flush()).toEqual([]);
  });

  it('gives the same sentences however the text is cut into deltas', () => {
    const next = random(42);
    for (const text of corpus) {
      const expected = whole(text);
      expect(chunked(text, [...text].map((_, i) => i + 1).slice(0, -1)), `one character at a time: ${text}`).toEqual(expected);
      for (let round = 0; round < 50; round++) {
        const cuts = [...new Set(Array.from({ length: 1 + Math.floor(next() * 12) }, () => Math.floor(next() * text.length)))].sort((a, b) => a - b);
        expect(chunked(text, cuts), `cuts ${cuts.join(',')} of: ${text}`).toEqual(expected);
      }
    }
  });

  it('loses and adds no text: the sentences rejoin into the input', () => {
    for (const text of corpus) {
      const sentences = whole(text);
      expect(normalise(sentences.join(''))).toBe(normalise(text));
      for (const sentence of sentences) expect(sentence).toBe(sentence.trim());
      expect(sentences.every((sentence) => sentence.length > 0)).toBe(true);
    }
  });

  it('splits an async stream of deltas', async () => {
    async function* deltas(): AsyncGenerator<string> {
      yield* ['Sure', '. I can', ' help with that', '! What is your', ' account number?'];
    }
    const out: string[] = [];
    for await (const sentence of splitSentences(deltas())) out.push(sentence);
    expect(out).toEqual(['Sure.', 'I can help with that!', 'What is your account number?']);
  });
});
