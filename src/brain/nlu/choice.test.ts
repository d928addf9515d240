import { describe, expect, it } from 'vitest';
import { parseChoice, type ChoiceMethod, type ChoiceOption } from './choice.js';

const slots: readonly ChoiceOption[] = [
  { value: 'morning', synonyms: ['before noon', 'early'] },
  { value: 'afternoon', synonyms: ['after lunch'] },
  { value: 'evening', synonyms: ['after work', 'late'] },
];
const plans: readonly ChoiceOption[] = [
  { value: 'basic_plan' },
  { value: 'premium_plan', synonyms: ['the expensive one'] },
];

describe('parseChoice', () => {
  it.each([
    ['morning', slots, 'morning', 'exact'],
    ['The afternoon, please', slots, 'afternoon', 'exact'],
    ['Evening works best for me', slots, 'evening', 'exact'],
    ['Sometime after lunch', slots, 'afternoon', 'synonym'],
    ['As early as possible', slots, 'morning', 'synonym'],
    ['after work', slots, 'evening', 'synonym'],
    ['the first one', slots, 'morning', 'ordinal'],
    ['Second', slots, 'afternoon', 'ordinal'],
    ['number three', slots, 'evening', 'ordinal'],
    ['option 2', slots, 'afternoon', 'ordinal'],
    ['2', slots, 'afternoon', 'ordinal'],
    ['the last one', slots, 'evening', 'ordinal'],
    ['mornings are better', slots, 'morning', 'fuzzy'],
    ['the aftrnoon', slots, 'afternoon', 'fuzzy'],
    ['Premium please', plans, 'premium_plan', 'fuzzy'],
    ['basic plan', plans, 'basic_plan', 'exact'],
    ['the expensive one', plans, 'premium_plan', 'synonym'],
  ] as const)('reads %j', (text, options, value, method: ChoiceMethod) => {
    expect(parseChoice(text, options)).toMatchObject({ value, method });
  });

  it.each([
    ['Morning or evening, either is fine', slots],
    ['the plan', plans],
    ['the fifth one', slots],
    ['I have no idea', slots],
    ['', slots],
  ] as const)('finds no single choice in %j', (text, options) => {
    expect(parseChoice(text, options)).toBeNull();
  });

  it('reports the position and a fuzzy score', () => {
    expect(parseChoice('the first one', slots)).toEqual({ value: 'morning', index: 0, method: 'ordinal', score: 1 });
    expect(parseChoice('premium', plans)).toEqual({ value: 'premium_plan', index: 1, method: 'fuzzy', score: 0.5 });
  });
});
