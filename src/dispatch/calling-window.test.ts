import { describe, expect, it } from 'vitest';
import { checkWindows, dailyWindow, scheduleSchema, windowOf } from './calling-window.js';
import { numberTimezones } from './number-timezones.js';

const at = (iso: string) => new Date(iso);

describe('calling windows', () => {
  const nineToFive = windowOf({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' });

  it('is open inside the local hours and says when it opens otherwise', () => {
    // Tuesday 2026-12-01 17:30 UTC is 09:30 in Los Angeles, 12:30 in New York.
    expect(checkWindows([nineToFive], ['America/Los_Angeles'], at('2026-12-01T17:30:00Z'))).toEqual({ open: true });
    // 16:00 UTC is 08:00 in Los Angeles: opens at 09:00 local = 17:00 UTC.
    expect(checkWindows([nineToFive], ['America/Los_Angeles'], at('2026-12-01T16:00:00Z'))).toEqual({ open: false, until: at('2026-12-01T17:00:00Z'), ended: false });
  });

  it('skips closed days: Friday evening waits for Monday morning', () => {
    // Friday 2026-12-04 23:00 in Tokyo (14:00 UTC) -> Monday 09:00 Tokyo = Monday 00:00 UTC.
    expect(checkWindows([nineToFive], ['Asia/Tokyo'], at('2026-12-04T14:00:00Z'))).toEqual({ open: false, until: at('2026-12-07T00:00:00Z'), ended: false });
  });

  it('reads a region spanning zones the most restrictive way', () => {
    const zones = ['America/New_York', 'America/Los_Angeles'];
    // 13:30 UTC: 08:30 New York (open for 08-21), 05:30 Los Angeles (closed) -> 08:00 LA = 16:00 UTC.
    const verdict = checkWindows([dailyWindow('08:00', '21:00')], zones, at('2026-12-01T13:30:00Z'));
    expect(verdict).toEqual({ open: false, until: at('2026-12-01T16:00:00Z'), ended: false });
    // 01:30 UTC next day: 20:30 NY and 17:30 LA: open; 02:30 UTC: 21:30 NY: closed until LA and NY both open.
    expect(checkWindows([dailyWindow('08:00', '21:00')], zones, at('2026-12-02T01:30:00Z'))).toEqual({ open: true });
    expect(checkWindows([dailyWindow('08:00', '21:00')], zones, at('2026-12-02T02:30:00Z'))).toEqual({ open: false, until: at('2026-12-02T16:00:00Z'), ended: false });
  });

  it('intersects several windows and honours start and end dates', () => {
    const campaign = windowOf({ start: '18:00', end: '24:00', starts_at: '2026-12-03T00:00:00Z', ends_at: '2026-12-10T00:00:00Z' });
    const orgDefault = dailyWindow('08:00', '21:00');
    // Tuesday 19:00 UTC in London: campaign not started -> Thursday 18:00 London.
    expect(checkWindows([campaign, orgDefault], ['Europe/London'], at('2026-12-01T19:00:00Z'))).toEqual({ open: false, until: at('2026-12-03T18:00:00Z'), ended: false });
    expect(checkWindows([campaign, orgDefault], ['Europe/London'], at('2026-12-10T19:00:00Z'))).toEqual({ open: false, until: null, ended: true });
  });

  it('crosses a daylight-saving change onto the local opening time', () => {
    // New York springs forward on 2027-03-14: 09:00 local that Monday (15th) is 13:00 UTC.
    expect(checkWindows([nineToFive], ['America/New_York'], at('2027-03-13T20:00:00Z'))).toEqual({ open: false, until: at('2027-03-15T13:00:00Z'), ended: false });
  });

  it('never opens when the zones never share an open hour', () => {
    const verdict = checkWindows([windowOf({ start: '09:00', end: '10:00' })], ['Asia/Tokyo', 'America/New_York'], at('2026-12-01T00:00:00Z'));
    expect(verdict).toEqual({ open: false, until: null, ended: false });
  });

  it('accepts a per-day table and refuses a window that ends before it starts', () => {
    const parsed = scheduleSchema.parse({ detailed_work_hours: { monday: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }] } });
    const window = windowOf(parsed);
    // Monday 2026-11-30 12:30 New York = 17:30 UTC: lunch, reopens 13:00 = 18:00 UTC.
    expect(checkWindows([window], ['America/New_York'], at('2026-11-30T17:30:00Z'))).toEqual({ open: false, until: at('2026-11-30T18:00:00Z'), ended: false });
    expect(scheduleSchema.safeParse({ start: '17:00', end: '09:00' }).success).toBe(false);
    expect(scheduleSchema.safeParse({ days: ['funday'], start: '09:00', end: '17:00' }).success).toBe(false);
  });
});

describe('number time zones', () => {
  it('finds the zones of a number by its longest prefix', () => {
    expect(numberTimezones('+14155550100')).toEqual(['America/Los_Angeles']);
    expect(numberTimezones('+12125550100')).toEqual(['America/New_York']);
    expect(numberTimezones('+81312345678')).toEqual(['Asia/Tokyo']);
    expect(numberTimezones('+18005550100').length).toBeGreaterThan(10);
  });
});
