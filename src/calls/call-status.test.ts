import { describe, expect, it } from 'vitest';
import { callStatuses, canTransition, isTerminal, predecessorsOf, terminalStatuses } from './call-status.js';

describe('the call status machine', () => {
  it('makes every terminal status final', () => {
    for (const from of terminalStatuses) for (const to of callStatuses) expect(canTransition(from, to), `${from} -> ${to}`).toBe(false);
  });

  it('lets every non-terminal status reach a terminal one', () => {
    for (const status of callStatuses.filter((s) => !isTerminal(s))) {
      expect(terminalStatuses.some((to) => canTransition(status, to)), status).toBe(true);
    }
  });

  it('never goes back to queued and only leaves queued by dialing, cancel or failure', () => {
    expect(predecessorsOf('queued')).toEqual([]);
    expect(callStatuses.filter((to) => canTransition('queued', to))).toEqual(['dialing', 'failed', 'canceled']);
  });

  it('reaches voicemail only once the line was answered or ringing', () => {
    expect(predecessorsOf('voicemail')).toEqual(['ringing', 'in_progress']);
    expect(canTransition('queued', 'voicemail')).toBe(false);
  });
});
