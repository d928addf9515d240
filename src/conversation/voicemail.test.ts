// What a verdict means for a call and which detection a line runs: the one rule both lanes use.
import { describe, expect, it } from 'vitest';
import { detectionFor, verdictPlan, type DetectionLine } from './voicemail.js';

const render = (template: string) => template.replace('{{name}}', 'Ana');
const twilio: DetectionLine = { carrierDetects: true, defaultDetection: 'carrier', audio: true };
const simAudio: DetectionLine = { carrierDetects: true, defaultDetection: 'carrier', audio: true };
const simText: DetectionLine = { carrierDetects: true, defaultDetection: 'carrier', audio: false };
const plainAudio: DetectionLine = { carrierDetects: false, defaultDetection: 'parley', audio: true };
const browser: DetectionLine = { carrierDetects: false, defaultDetection: 'off', audio: true };

describe('verdictPlan', () => {
  it('lets a person or an unknown answer converse', () => {
    expect(verdictPlan('human', { action: 'hang_up' }, render)).toEqual({ kind: 'converse' });
    expect(verdictPlan('unknown', { action: 'leave_message', message: 'x' }, render)).toEqual({ kind: 'converse' });
  });

  it('hangs up on a machine at once, ending the call voicemail, also for an agent with no voicemail setting', () => {
    const hangUp = { kind: 'hang_up', end: { reason: 'voicemail_detected', status: 'voicemail' } };
    expect(verdictPlan('machine', { action: 'hang_up' }, render)).toEqual(hangUp);
    expect(verdictPlan('machine', undefined, render)).toEqual(hangUp);
  });

  it('leaves the configured message rendered from the call, ending it completed', () => {
    expect(verdictPlan('machine', { action: 'leave_message', message: 'Hi {{name}}, call us back.' }, render)).toEqual({
      kind: 'leave_message', message: 'Hi Ana, call us back.', end: { reason: 'voicemail_message_left', status: 'completed' },
    });
  });

  it('lets the agent word the message when none is configured', () => {
    expect(verdictPlan('machine', { action: 'leave_message' }, render)).toMatchObject({ kind: 'leave_message', message: null });
    expect(verdictPlan('machine', { action: 'leave_message', message: '   ' }, render)).toMatchObject({ kind: 'leave_message', message: null });
  });
});

describe('detectionFor', () => {
  it('defaults to the carrier where it detects, else to Parley', () => {
    expect(detectionFor(undefined, twilio)).toBe('carrier');
    expect(detectionFor(undefined, simText)).toBe('carrier');
    expect(detectionFor(undefined, simAudio)).toBe('carrier');
    expect(detectionFor(undefined, plainAudio)).toBe('parley');
  });

  it('runs what the agent asks when the line can', () => {
    expect(detectionFor({ action: 'hang_up', detection: 'parley' }, twilio)).toBe('parley');
    expect(detectionFor({ action: 'hang_up', detection: 'off' }, twilio)).toBe('off');
    expect(detectionFor({ action: 'hang_up', detection: 'parley' }, simAudio)).toBe('parley');
  });

  it("uses the carrier's knowledge where there is no audio to hear, and Parley where the carrier cannot tell", () => {
    expect(detectionFor({ action: 'hang_up', detection: 'parley' }, simText)).toBe('carrier');
    expect(detectionFor({ action: 'hang_up', detection: 'carrier' }, plainAudio)).toBe('parley');
  });

  it('runs none on a line no machine answers (a browser)', () => {
    expect(detectionFor({ action: 'hang_up', detection: 'parley' }, browser)).toBe('off');
    expect(detectionFor(undefined, browser)).toBe('off');
  });
});
