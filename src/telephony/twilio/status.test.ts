/** Table tests: every Twilio CallStatus and AnsweredBy value onto the carrier contract. */
import { describe, expect, it } from 'vitest';
import type { CarrierEvent } from '../types.js';
import { twilioAnsweredByValues, twilioCallStatuses, type TwilioAnsweredBy, type TwilioCallStatus } from './protocol.js';
import { mapAmdCallback, mapAnsweredBy, mapCallStatus, mapStatusCallback } from './status.js';

const statusTable: ReadonlyArray<readonly [TwilioCallStatus, CarrierEvent | null]> = [
  ['queued', null],
  ['initiated', null],
  ['ringing', { type: 'ringing' }],
  ['in-progress', { type: 'answered', answeredBy: 'unknown' }],
  ['completed', { type: 'ended', outcome: 'completed' }],
  ['busy', { type: 'ended', outcome: 'busy' }],
  ['failed', { type: 'ended', outcome: 'failed' }],
  ['no-answer', { type: 'ended', outcome: 'no_answer' }],
  ['canceled', { type: 'ended', outcome: 'canceled' }],
];

// The value, what it means, whether a beep ended the greeting, and what ended it (null: still playing, or no machine).
const answeredByTable: ReadonlyArray<readonly [TwilioAnsweredBy, 'human' | 'machine' | 'unknown', boolean, 'beep' | 'silence' | 'other' | null]> = [
  ['human', 'human', false, null],
  ['machine_start', 'machine', false, null],
  ['machine_end_beep', 'machine', true, 'beep'],
  ['machine_end_silence', 'machine', false, 'silence'],
  ['machine_end_other', 'machine', false, 'other'],
  ['fax', 'machine', false, 'other'],
  ['unknown', 'unknown', false, null],
];

describe('Twilio status mapping', () => {
  it('covers every documented call status', () => {
    expect(statusTable.map(([status]) => status).sort()).toEqual([...twilioCallStatuses].sort());
  });

  it.each(statusTable)('maps CallStatus %s', (status, expected) => {
    expect(mapCallStatus(status)).toEqual(expected);
    expect(mapStatusCallback({ CallSid: 'CA1', CallStatus: status })).toEqual(expected);
  });

  it('covers every documented AnsweredBy value', () => {
    expect(answeredByTable.map(([value]) => value).sort()).toEqual([...twilioAnsweredByValues].sort());
  });

  it.each(answeredByTable)('maps AnsweredBy %s', (value, answeredBy, beep, greetingEnd) => {
    expect(mapAnsweredBy(value)).toEqual({ answeredBy, beep });
    expect(mapAmdCallback({ CallSid: 'CA1', AnsweredBy: value, MachineDetectionDuration: '2400' })).toEqual({
      type: 'machine_detected', answeredBy, beep, greetingEnd, detail: value,
    });
    // Synchronous AMD puts AnsweredBy on the answered callback itself.
    expect(mapStatusCallback({ CallStatus: 'in-progress', AnsweredBy: value })).toEqual({ type: 'answered', answeredBy });
  });

  it('keeps the SIP code of a failed call as its reason', () => {
    expect(mapStatusCallback({ CallStatus: 'failed', SipResponseCode: '404' })).toEqual({
      type: 'ended', outcome: 'failed', reason: 'sip_404',
    });
    expect(mapStatusCallback({ CallStatus: 'failed', SipResponseCode: 'x<script>' })).toEqual({ type: 'ended', outcome: 'failed' });
  });

  it('ignores callbacks with a missing or unknown status or AnsweredBy', () => {
    expect(mapStatusCallback({})).toBeNull();
    expect(mapStatusCallback({ CallStatus: 'teleported' })).toBeNull();
    expect(mapStatusCallback({ CallStatus: 'in-progress', AnsweredBy: 'robot' })).toEqual({ type: 'answered', answeredBy: 'unknown' });
    expect(mapAmdCallback({ CallSid: 'CA1' })).toBeNull();
    expect(mapAmdCallback({ AnsweredBy: 'robot' })).toBeNull();
  });

  it('reads the first value of a repeated field', () => {
    expect(mapStatusCallback({ CallStatus: ['busy', 'completed'] })).toEqual({ type: 'ended', outcome: 'busy' });
  });
});
