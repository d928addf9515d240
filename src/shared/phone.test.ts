import { describe, expect, it } from 'vitest';
import { lastDigit, toE164 } from './phone.js';

describe('E.164 numbers', () => {
  it.each([
    ['+14155550100', '+14155550100'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('accepts %s', (input, expected) => expect(toE164(input)).toBe(expected));

  it.each(['4155550100', '+15555550100', '+1415555', 'call me', '', '+99912345678'])('refuses %s', (input) => expect(toE164(input)).toBeNull());

  it('reads the last digit', () => expect(lastDigit('+14155550103')).toBe(3));
});
