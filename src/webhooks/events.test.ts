import { describe, expect, it } from 'vitest';
import { callStatuses, isTerminal } from '../calls/call-status.js';
import { eventForCallEvent, eventForStatus, isWebhookEventType, webhookEventTypes, webhookPayload } from './events.js';

describe('eventForStatus', () => {
  it.each([
    ['queued', 'call.queued'],
    ['dialing', null],
    ['ringing', 'call.ringing'],
    ['in_progress', 'call.answered'],
    ['completed', 'call.completed'],
    ['busy', 'call.busy'],
    ['no_answer', 'call.no_answer'],
    ['failed', 'call.failed'],
    ['canceled', 'call.canceled'],
    ['voicemail', 'call.voicemail'],
  ] as const)('%s -> %s', (status, event) => {
    expect(eventForStatus(status)).toBe(event);
  });

  it('covers every call status, and every terminal status raises an event', () => {
    for (const status of callStatuses) {
      const event = eventForStatus(status);
      if (isTerminal(status)) expect(event).not.toBeNull();
      if (event !== null) expect(webhookEventTypes).toContain(event);
    }
  });

  it('leaves call.analyzed to outcome extraction: no status raises it', () => {
    expect(callStatuses.map(eventForStatus)).not.toContain('call.analyzed');
  });
});

describe('webhookEventTypes', () => {
  it('are dot-cased, past tense and unique', () => {
    expect(new Set(webhookEventTypes).size).toBe(webhookEventTypes.length);
    for (const type of webhookEventTypes) expect(type).toMatch(/^(call|campaign)\.[a-z_]+$/);
  });

  it('narrows user input', () => {
    expect(isWebhookEventType('call.completed')).toBe(true);
    expect(isWebhookEventType('call.dialing')).toBe(false);
    expect(isWebhookEventType('CALL.COMPLETED')).toBe(false);
    expect(isWebhookEventType(42)).toBe(false);
  });
});

describe('webhookPayload', () => {
  it('wraps the call in a Standard Webhooks style envelope', () => {
    const call = { id: 'call_1', status: 'completed' };
    const payload = webhookPayload('call.completed', call, new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)));
    expect(payload).toEqual({ type: 'call.completed', timestamp: '2025-01-02T03:04:05.006Z', data: call });
    expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
  });
});

describe('eventForCallEvent', () => {
  it.each([
    ['call.queued', 'call.queued'],
    ['call.dialing', null],
    ['call.in_progress', 'call.answered'],
    ['call.completed', 'call.completed'],
    ['call.voicemail', 'call.voicemail'],
    ['call.analyzed', 'call.analyzed'],
    ['call.amd', 'call.amd'],
    ['call.recording_ready', 'call.recording_ready'],
    ['call.recording_unavailable', 'call.recording_unavailable'],
    ['call.transfer_started', null],
    ['call.cancel_requested', null],
    ['agent.collected', null],
  ] as const)('%s -> %s', (callEvent, event) => {
    expect(eventForCallEvent(callEvent)).toBe(event);
  });
});
