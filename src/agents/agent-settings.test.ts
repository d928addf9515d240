// Agent settings: a voicemail detection mode that is not carried out on calls is refused, not ignored.
import { describe, expect, it } from 'vitest';
import { voicemailSettings } from './agent-settings.js';

describe('voicemail settings', () => {
  it('accepts carrier detection, which the carriers carry out', () => {
    expect(voicemailSettings.parse({ detection: 'carrier', action: 'leave_message' })).toMatchObject({ detection: 'carrier' });
  });

  it.each(['parley', 'off'])('refuses %s detection with a message saying why', (detection) => {
    const result = voicemailSettings.safeParse({ detection });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['detection']);
    expect(result.error!.issues[0]!.message).toMatch(/only "carrier" detection is available/);
  });
});
