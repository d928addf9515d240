import { describe, expect, it } from 'vitest';
import { callEndOf } from './call-end.js';

describe('callEndOf', () => {
  it('ends a call whose model failed as failed, even after the agent apologised', () => {
    expect(callEndOf({ type: 'end_call', reason: 'llm_error' }, { type: 'contact_turn' })).toEqual({ reason: 'llm_error', status: 'failed' });
    expect(callEndOf({ type: 'end_call', reason: 'llm_not_configured' }, { type: 'start' })).toEqual({ reason: 'llm_not_configured', status: 'failed' });
  });

  it('leaves an agent that chose to end to the carrier\'s word on the status', () => {
    expect(callEndOf({ type: 'end_call', reason: 'conversation finished' }, { type: 'contact_turn' })).toEqual({ reason: 'agent_ended' });
    expect(callEndOf({ type: 'transfer_call', to: '+14155550100' }, { type: 'contact_turn' })).toEqual({ reason: 'transferred' });
  });

  it('tells voicemail apart', () => {
    expect(callEndOf({ type: 'end_call', reason: 'llm_error' }, { type: 'voicemail' })).toEqual({ reason: 'voicemail_detected', status: 'voicemail' });
    expect(callEndOf({ type: 'leave_voicemail', message: 'Call us back.' }, { type: 'voicemail' })).toEqual({ reason: 'voicemail_message_left', status: 'completed' });
  });

  it('does not end the call for a tone', () => {
    expect(callEndOf({ type: 'send_dtmf', digits: '1' }, { type: 'contact_turn' })).toBeNull();
  });
});
