import { describe, expect, it } from 'vitest';
import { KeypadEntry, MAX_ENTRY_KEYS, type EntryEnd } from './keypad-entry.js';

/** A clock the test moves by hand: timers fire only when `advance` passes them. */
function manualClock() {
  let now = 0;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  return {
    now: () => now,
    setTimer(ms: number, fn: () => void) {
      const timer = { at: now + ms, fn, live: true };
      timers.push(timer);
      return () => void (timer.live = false);
    },
    advance(ms: number) {
      now += ms;
      for (const timer of timers) if (timer.live && timer.at <= now) (timer.live = false), timer.fn();
    },
  };
}

function entry(expected?: number) {
  const clock = manualClock();
  const entries: { keys: string; startedAt: number; end: EntryEnd }[] = [];
  let starts = 0;
  const keypad = new KeypadEntry({
    clock, interDigitMs: 3000, keysExpected: () => expected,
    started: () => void starts++,
    complete: (keys, startedAt, end) => void entries.push({ keys, startedAt, end }),
  });
  const press = (keys: string, gapMs = 200) => {
    for (const key of keys) {
      keypad.press(key);
      clock.advance(gapMs);
    }
  };
  return { keypad, clock, entries, press, starts: () => starts };
}

describe('KeypadEntry', () => {
  it('gathers keys into one entry that # ends, from the first key on', () => {
    const { entries, press, clock, starts } = entry();
    clock.advance(1000);
    press('0123#');
    expect(entries).toEqual([{ keys: '0123#', startedAt: 1000, end: 'terminator' }]);
    expect(starts()).toBe(1);
  });

  it('ends an entry after a pause between keys, not before', () => {
    const { entries, press, clock, keypad } = entry();
    press('42', 0);
    clock.advance(2999);
    expect(entries).toEqual([]);
    expect(keypad.collecting).toBe(true);
    clock.advance(1);
    expect(entries).toEqual([{ keys: '42', startedAt: 0, end: 'pause' }]);
    expect(keypad.collecting).toBe(false);
  });

  it('ends an entry on the number of keys expected; a # right after closes it, a later # is an entry of its own', () => {
    const { entries, press, clock } = entry(1);
    press('1#');
    expect(entries.map((e) => e.keys)).toEqual(['1']);
    clock.advance(5000);
    press('#');
    expect(entries.map((e) => [e.keys, e.end])).toEqual([['1', 'length'], ['#', 'terminator']]);
  });

  it('caps an entry at its longest, so a line that keeps sending keys cannot grow one without bound', () => {
    const { entries, press } = entry();
    press('1'.repeat(MAX_ENTRY_KEYS + 5), 10);
    expect(entries[0]).toMatchObject({ keys: '1'.repeat(MAX_ENTRY_KEYS), end: 'limit' });
  });

  it('drops a partial entry when stopped', () => {
    const { entries, press, clock, keypad } = entry();
    press('12');
    keypad.stop();
    clock.advance(10_000);
    expect(entries).toEqual([]);
  });
});
