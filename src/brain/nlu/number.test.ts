import { describe, expect, it } from 'vitest';
import { parseNumber, parseNumbers, replaceNumberWords } from './number.js';

describe('parseNumber', () => {
  it.each([
    ['23', 23],
    ['twenty three', 23],
    ['twenty-three', 23],
    ['It is twenty three', 23],
    ['2 hundred', 200],
    ['two hundred', 200],
    ['a hundred', 100],
    ['one hundred and five', 105],
    ['one hundred twenty three', 123],
    ['two hundred fifty thousand', 250_000],
    ['ten thousand five hundred', 10_500],
    ['3 thousand 200', 3200],
    ['1.5 million', 1_500_000],
    ['1,200', 1200],
    ['twelve hundred', 1200],
    ['three point one four', 3.14],
    ['2.5', 2.5],
    ['a dozen', 12],
    ['two dozen', 24],
    ['zero', 0],
    ['minus five', -5],
    ['fourty two', 42],
    ['I have 3 kids and two dogs', 3],
    ["I'd like a table for two", 2],
    ['four five six seven', 4567],
    ['the 3rd', 3],
    ['second', 2],
    ['no', null],
    ['', null],
    ['weight and height at night', null],
  ] as const)('reads %j as %s', (text, expected) => {
    expect(parseNumber(text)).toBe(expected);
  });

  it('lists every number in order', () => {
    expect(parseNumbers('two adults and three kids, 4 bags')).toEqual([2, 3, 4]);
    expect(parseNumbers('nineteen eighty four')).toEqual([19, 84]);
    expect(parseNumbers('the second one')).toEqual([2, 1]);
  });
});

describe('replaceNumberWords', () => {
  it.each([
    ['the twenty first at three', 'the 21st at 3'],
    ['at three thirty', 'at 3 30'],
    ['in two weeks', 'in 2 weeks'],
    ['the third of May', 'the 3rd of May'],
    ['no numbers here', 'no numbers here'],
    ['March 14 at 10:30', 'March 14 at 10:30'],
  ])('rewrites %j as %j', (text, expected) => {
    expect(replaceNumberWords(text)).toBe(expected);
  });
});
