/** Callbacks that arrive late, twice or out of order still reach the sink once each, in order. */
import { describe, expect, it } from 'vitest';
import type { AudioLine, CarrierEvent } from '../types.js';
import { CallTracker } from './call-tracker.js';

function recorder() {
  const events: Array<[string, CarrierEvent['type']]> = [];
  const tracker = new CallTracker((callId, event) => events.push([callId, event.type]), { maxTrackedCalls: 2 });
  return { events, tracker };
}

const line = { mode: 'audio' } as unknown as AudioLine;

describe('CallTracker', () => {
  it('passes the normal sequence through', () => {
    const { events, tracker } = recorder();
    tracker.report('c1', { type: 'ringing' });
    tracker.report('c1', { type: 'answered', answeredBy: 'unknown' });
    tracker.report('c1', { type: 'line', line });
    tracker.report('c1', { type: 'machine_detected', answeredBy: 'human', beep: false });
    tracker.report('c1', { type: 'ended', outcome: 'completed' });
    expect(events.map(([, type]) => type)).toEqual(['ringing', 'answered', 'line', 'machine_detected', 'ended']);
  });

  it('drops duplicates, late ringing and anything after ended', () => {
    const { events, tracker } = recorder();
    tracker.report('c1', { type: 'answered', answeredBy: 'unknown' });
    expect(tracker.report('c1', { type: 'ringing' })).toBe(false);
    expect(tracker.report('c1', { type: 'answered', answeredBy: 'human' })).toBe(false);
    tracker.report('c1', { type: 'machine_detected', answeredBy: 'machine', beep: true });
    expect(tracker.report('c1', { type: 'machine_detected', answeredBy: 'machine', beep: true })).toBe(false);
    tracker.report('c1', { type: 'ended', outcome: 'completed' });
    expect(tracker.report('c1', { type: 'line', line })).toBe(false);
    expect(tracker.report('c1', { type: 'ended', outcome: 'failed' })).toBe(false);
    expect(events.map(([, type]) => type)).toEqual(['answered', 'machine_detected', 'ended']);
  });

  it('reports answered before a line or AMD result that arrives first', () => {
    const { events, tracker } = recorder();
    tracker.report('c1', { type: 'line', line });
    tracker.report('c2', { type: 'machine_detected', answeredBy: 'machine', beep: false });
    expect(events).toEqual([['c1', 'answered'], ['c1', 'line'], ['c2', 'answered'], ['c2', 'machine_detected']]);
  });

  it('knows which Twilio call is answered, and forgets the oldest finished calls', () => {
    const { tracker } = recorder();
    tracker.placed('c1', 'CA1');
    expect(tracker.isAnswered('CA1')).toBe(false);
    tracker.report('c1', { type: 'answered', answeredBy: 'unknown' });
    expect(tracker.isAnswered('CA1')).toBe(true);
    tracker.report('c1', { type: 'ended', outcome: 'completed' });
    expect(tracker.isAnswered('CA1')).toBe(false);
    expect(tracker.hasEnded('c1')).toBe(true);
    tracker.report('c2', { type: 'ended', outcome: 'busy' });
    tracker.report('c3', { type: 'ended', outcome: 'busy' });
    expect(tracker.hasEnded('c1')).toBe(false);
    expect(tracker.providerCallId('c1')).toBeUndefined();
    expect(tracker.hasEnded('c3')).toBe(true);
  });
});
