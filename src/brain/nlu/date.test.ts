import { describe, expect, it } from 'vitest';
import { dateValue, parseDate, timezoneOffsetMinutes } from './date.js';

// Monday 10 March 2025, 10:00 in New York (UTC-4 since the 9 March daylight-saving change).
const reference = new Date('2025-03-10T14:00:00Z');
const timezone = 'America/New_York';

describe('parseDate', () => {
  it.each([
    ['tomorrow', '2025-03-11', null],
    ['Tomorrow at 3pm', '2025-03-11', '15:00'],
    ['the day after tomorrow', '2025-03-12', null],
    ['How about Friday?', '2025-03-14', null],
    ['Friday at 2', '2025-03-14', '14:00'],
    ['friday at 9', '2025-03-14', '09:00'],
    ['next Tuesday', '2025-03-18', null],
    ['March 21st', '2025-03-21', null],
    ['March 14 at 10:30', '2025-03-14', '10:30'],
    ['on the 21st', '2025-03-21', null],
    ['the fifth', '2025-04-05', null],
    ['the twenty first at three thirty', '2025-03-21', '15:30'],
    ['Tuesday the 18th', '2025-03-18', null],
    ['in two weeks', '2025-03-24', null],
    ['3/14', '2025-03-14', null],
    ['tomorrow at 7 in the evening', '2025-03-11', '19:00'],
  ] as const)('reads %j as %s %s', (text, date, time) => {
    const parsed = parseDate(text, { reference, timezone });
    expect(parsed?.date).toBe(date);
    expect(parsed?.time).toBe(time);
  });

  it.each(['yes', 'I am not sure', '', 'whenever'])('finds no date in %j', (text) => {
    expect(parseDate(text, { reference, timezone })).toBeNull();
  });

  it('stores a date alone, or a date and time with the offset of that day', () => {
    expect(parseDate('Friday', { reference, timezone })?.value).toBe('2025-03-14');
    expect(parseDate('Friday at 3 pm', { reference, timezone })?.value).toBe('2025-03-14T15:00-04:00');
    // Before the change New York is UTC-5.
    const february = new Date('2025-02-03T15:00:00Z');
    expect(parseDate('tomorrow at noon', { reference: february, timezone })?.value).toBe('2025-02-04T12:00-05:00');
  });

  it('reads "tomorrow" in the call\'s timezone, not UTC', () => {
    // 02:00 UTC on the 11th is still the evening of the 10th in Los Angeles.
    const late = new Date('2025-03-11T02:00:00Z');
    expect(parseDate('tomorrow', { reference: late, timezone: 'America/Los_Angeles' })?.date).toBe('2025-03-11');
    expect(parseDate('tomorrow', { reference: late })?.date).toBe('2025-03-12');
  });

  it('keeps the words that named the date', () => {
    expect(parseDate('I would prefer Wednesday please', { reference, timezone })?.text).toBe('Wednesday');
  });
});

describe('timezone helpers', () => {
  it('gives minutes east of UTC, and 0 for none or an unknown zone', () => {
    expect(timezoneOffsetMinutes('America/New_York', reference)).toBe(-240);
    expect(timezoneOffsetMinutes('Asia/Kolkata', reference)).toBe(330);
    expect(timezoneOffsetMinutes(undefined, reference)).toBe(0);
    expect(timezoneOffsetMinutes('Mars/Olympus', reference)).toBe(0);
  });

  it('formats a stored value across a daylight-saving change', () => {
    expect(dateValue('2025-03-08', '09:00', timezone)).toBe('2025-03-08T09:00-05:00');
    expect(dateValue('2025-03-10', '09:00', timezone)).toBe('2025-03-10T09:00-04:00');
    expect(dateValue('2025-03-10', null, timezone)).toBe('2025-03-10');
  });
});
