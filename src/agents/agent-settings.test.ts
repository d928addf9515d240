// Agent settings: every voicemail detection mode a call carries out is accepted; anything else is a 400 naming the field.
import { describe, expect, it } from 'vitest';
import { agentInput, voicemailSettings } from './agent-settings.js';

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
});
