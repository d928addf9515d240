// Agent settings: every voicemail detection mode a call carries out is accepted; anything else is a 400 naming the field.
import { describe, expect, it } from 'vitest';
import { agentInput, voicemailSettings } from './agent-settings.js';
import { parseAgentSettings } from '../conversation/agent-settings.js';

describe('voicemail settings', () => {
  it.each(['carrier', 'parley', 'off'])('accepts %s detection', (detection) => {
    expect(voicemailSettings.parse({ detection, action: 'leave_message' })).toMatchObject({ detection, action: 'leave_message' });
  });

  it('leaves detection unset when none is given (the line picks its default)', () => {
    expect(voicemailSettings.parse({})).toEqual({ action: 'hang_up' });
  });

  it('refuses an unknown detection mode, naming the field', () => {
    const result = agentInput.safeParse({ name: 'a', voicemail: { detection: 'guess' } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['voicemail', 'detection']);
  });

  it("bounds Parley's detector by max_verdict_ms, and refuses it beside a carrier's detector or off", () => {
    expect(voicemailSettings.parse({ detection: 'parley', max_verdict_ms: 2900 })).toMatchObject({ max_verdict_ms: 2900 });
    for (const detection of ['carrier', 'off', undefined]) {
      const result = agentInput.safeParse({ name: 'a', voicemail: { detection, max_verdict_ms: 2900 } });
      expect(result.success).toBe(false);
      expect(result.error!.issues[0]).toMatchObject({ path: ['voicemail', 'max_verdict_ms'], message: expect.stringContaining("detection to 'parley'") });
    }
    for (const outside of [1000, 6000, 2500.5]) expect(voicemailSettings.safeParse({ detection: 'parley', max_verdict_ms: outside }).success).toBe(false);
  });

  it('refuses a voicemail or recording key it does not know, rather than dropping it', () => {
    const misspelt = agentInput.safeParse({ name: 'a', voicemail: { actoin: 'leave_message', message: 'hi' } });
    expect(misspelt.success).toBe(false);
    expect(JSON.stringify(misspelt.error!.issues)).toContain('actoin');
    expect(agentInput.safeParse({ name: 'a', recording: { enable: true } }).success).toBe(false);
  });

  it('refuses a spoken text whose braces are not a placeholder, or an empty message, since either would be said as written', () => {
    for (const [voicemail, path] of [
      [{ action: 'leave_message', message: 'Hi {{ nick' }, ['voicemail', 'message']],
      [{ action: 'leave_message', message: 'Hi {{first name}}, call us.' }, ['voicemail', 'message']],
      [{ action: 'leave_message', message: '  ' }, ['voicemail', 'message']],
    ] as const) {
      const result = agentInput.safeParse({ name: 'a', voicemail });
      expect(result.success, JSON.stringify(voicemail)).toBe(false);
      expect(result.error!.issues[0]!.path).toEqual(path);
    }
    expect(agentInput.safeParse({ name: 'a', recording: { enabled: true, disclosure: 'Recorded for }} training.' } }).success).toBe(false);
    expect(agentInput.safeParse({ name: 'a', greeting: 'Hi {{name}' }).success).toBe(false);
    expect(agentInput.safeParse({ name: 'a', greeting: 'Hi {{ name }}, this is {{agent.name}}.', voicemail: { action: 'leave_message', message: 'Hi {{name}}.' } }).success).toBe(true);
  });

  it('still loads a stored message the save rules now refuse, rather than dropping the voicemail setting', () => {
    expect(parseAgentSettings({ voicemail: { action: 'leave_message', message: '' } }).voicemail).toMatchObject({ action: 'leave_message' });
  });
});
