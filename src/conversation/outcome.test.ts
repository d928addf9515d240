/** What every action and cue means for the call, on every lane. */
import { describe, expect, it } from 'vitest';
import type { AgentAction, Cue } from '../brain/types.js';
import { carrierEnd, endOf, lanes, type CallEnd, type Lane } from './outcome.js';

const actions: readonly AgentAction[] = [
  { type: 'end_call', reason: 'done' },
  { type: 'end_call', reason: 'llm_error' },
  { type: 'end_call', reason: 'llm_not_configured' },
  { type: 'transfer_call', to: '+14155550100', mode: 'cold' },
  { type: 'send_dtmf', digits: '1' },
  { type: 'leave_voicemail', message: 'Call us back.' },
];
const cues: readonly Cue[] = [
  { type: 'start' },
  { type: 'contact_turn' },
  { type: 'silence', silentForMs: 8000 },
  { type: 'dtmf', digits: '1' },
  { type: 'wrap_up', reason: 'max_duration' },
  { type: 'wrap_up', reason: 'inactivity' },
  { type: 'voicemail' },
];

/** The rule, written out case by case: what the function must answer. */
function expected(action: AgentAction, cue: Cue, lane: Lane): CallEnd | null {
  if (action.type === 'send_dtmf') return null;
  if (action.type === 'leave_voicemail' && lane === 'chat') return null;
  if (action.type === 'end_call' && cue.type === 'voicemail') return { reason: 'voicemail_detected', status: 'voicemail' };
  if (action.type === 'end_call' && action.reason.startsWith('llm_')) return { reason: action.reason, status: 'failed' };
  if (cue.type === 'wrap_up') return { reason: cue.reason };
  if (action.type === 'end_call') return { reason: 'agent_ended' };
  if (action.type === 'transfer_call') return { reason: 'transferred' };
  return { reason: 'voicemail_message_left', status: 'completed' };
}

describe('endOf', () => {
  for (const lane of lanes) {
    for (const cue of cues) {
      for (const action of actions) {
        const label = cue.type === 'wrap_up' ? `wrap_up(${cue.reason})` : cue.type;
        const name = action.type === 'end_call' ? `end_call(${action.reason})` : action.type;
        it(`${name} while answering ${label} on the ${lane} lane`, () => {
          expect(endOf({ kind: 'action', action, cue }, lane)).toEqual(expected(action, cue, lane));
        });
      }
    }
  }

  it('ends a call whose agent hangs up at an answering machine as voicemail on every lane', () => {
    for (const lane of lanes) {
      expect(endOf({ kind: 'action', action: { type: 'end_call', reason: 'voicemail' }, cue: { type: 'voicemail' } }, lane)).toEqual({ reason: 'voicemail_detected', status: 'voicemail' });
    }
  });

  it('ends a call whose model failed as failed on every lane, even after the agent apologised', () => {
    for (const lane of lanes) {
      expect(endOf({ kind: 'action', action: { type: 'end_call', reason: 'llm_error' }, cue: { type: 'contact_turn' } }, lane)).toEqual({ reason: 'llm_error', status: 'failed' });
      expect(endOf({ kind: 'action', action: { type: 'end_call', reason: 'llm_not_configured' }, cue: { type: 'start' } }, lane)).toEqual({ reason: 'llm_not_configured', status: 'failed' });
      expect(endOf({ kind: 'action', action: { type: 'end_call', reason: 'llm_error' }, cue: { type: 'wrap_up', reason: 'max_duration' } }, lane)).toEqual({ reason: 'llm_error', status: 'failed' });
    }
  });

  it('ends for the timer whatever the goodbye adds, on every lane', () => {
    for (const lane of lanes) {
      for (const reason of ['max_duration', 'inactivity'] as const) {
        expect(endOf({ kind: 'wrap_up', reason }, lane)).toEqual({ reason });
        expect(endOf({ kind: 'action', action: { type: 'end_call', reason: 'bye' }, cue: { type: 'wrap_up', reason } }, lane)).toEqual({ reason });
      }
    }
  });

  it('maps the causes that are not the agent\'s to the same end on every lane', () => {
    for (const lane of lanes) {
      expect(endOf({ kind: 'machine', messageLeft: true }, lane)).toEqual({ reason: 'voicemail_message_left', status: 'completed' });
      expect(endOf({ kind: 'machine', messageLeft: false }, lane)).toEqual({ reason: 'voicemail_detected', status: 'voicemail' });
      expect(endOf({ kind: 'provider_failed' }, lane)).toEqual({ reason: 'provider_error', status: 'failed' });
      expect(endOf({ kind: 'engine_failed' }, lane)).toEqual({ reason: 'engine_error', status: 'failed' });
      expect(endOf({ kind: 'line_unsupported' }, lane)).toEqual({ reason: 'audio_not_supported', status: 'failed' });
      expect(endOf({ kind: 'contact_hung_up' }, lane)).toEqual({ reason: 'contact_hung_up' });
      expect(endOf({ kind: 'line_failed' }, lane)).toEqual({ reason: 'carrier_failed' });
      expect(endOf({ kind: 'canceled' }, lane)).toEqual({ reason: 'canceled', status: 'canceled' });
      expect(endOf({ kind: 'shutdown' }, lane)).toEqual({ reason: 'worker_lost', status: 'failed' });
    }
  });
});

describe('carrierEnd', () => {
  it('takes what the conversation decided over the carrier\'s report', () => {
    expect(carrierEnd({ outcome: 'completed', reason: 'agent_hung_up', answered: true }, { reason: 'voicemail_detected', status: 'voicemail' })).toEqual({ status: 'voicemail', reason: 'voicemail_detected' });
    expect(carrierEnd({ outcome: 'completed', reason: 'agent_hung_up', answered: true }, { reason: 'transferred' })).toEqual({ status: 'completed', reason: 'transferred' });
  });

  it('names the carrier\'s reasons in the call\'s terms', () => {
    expect(carrierEnd({ outcome: 'completed', reason: 'time_limit', answered: true }, undefined)).toEqual({ status: 'completed', reason: 'max_duration' });
    expect(carrierEnd({ outcome: 'completed', reason: 'carrier_failed', answered: true }, undefined)).toEqual({ status: 'completed', reason: 'carrier_failed' });
    expect(carrierEnd({ outcome: 'completed', reason: 'agent_hung_up', answered: true }, undefined)).toEqual({ status: 'completed', reason: 'agent_ended' });
    expect(carrierEnd({ outcome: 'completed', reason: 'machine_hung_up', answered: true }, undefined)).toEqual({ status: 'completed', reason: 'contact_hung_up' });
    expect(carrierEnd({ outcome: 'completed', answered: true }, undefined)).toEqual({ status: 'completed', reason: 'contact_hung_up' });
    expect(carrierEnd({ outcome: 'failed', reason: 'carrier_rejected', answered: false }, undefined)).toEqual({ status: 'failed', reason: 'carrier_failed' });
    expect(carrierEnd({ outcome: 'busy', answered: false }, undefined)).toEqual({ status: 'busy', reason: 'busy' });
  });

  it('ends a call that completed without an answer as no_answer', () => {
    expect(carrierEnd({ outcome: 'completed', answered: false }, undefined)).toEqual({ status: 'no_answer', reason: 'no_answer' });
    expect(carrierEnd({ outcome: 'no_answer', answered: false }, undefined)).toEqual({ status: 'no_answer', reason: 'no_answer' });
  });
});
