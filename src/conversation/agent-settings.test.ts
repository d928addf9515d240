import { describe, expect, it } from 'vitest';
import { parseAgentSettings } from './agent-settings.js';

describe('parseAgentSettings', () => {
  it('types the line settings and keeps every other key as stored', () => {
    const settings = parseAgentSettings({
      timers: { max_duration_s: 120, ring_timeout_s: 20 },
      voicemail: { action: 'leave_message', message: 'Call us back, {{name}}.' },
      recording: { enabled: true, disclosure: 'This call is recorded.' },
      transfer_numbers: ['+14155550199'],
      llm: { model: 'gpt-4o-mini' },
    });
    expect(settings.timers).toEqual({ max_duration_s: 120, ring_timeout_s: 20 });
    expect(settings.voicemail).toEqual({ action: 'leave_message', message: 'Call us back, {{name}}.' });
    expect(settings.recording).toEqual({ enabled: true, disclosure: 'This call is recorded.' });
    expect(settings.transfer_numbers).toEqual(['+14155550199']);
    expect(settings['llm']).toEqual({ model: 'gpt-4o-mini' });
  });

  it('fills the defaults a setting has', () => {
    expect(parseAgentSettings({ voicemail: {} }).voicemail).toEqual({ action: 'hang_up' });
    expect(parseAgentSettings({ recording: {} }).recording).toEqual({ enabled: false });
  });

  it('drops a stored value no schema accepts any more, so the call runs on that setting\'s defaults', () => {
    const settings = parseAgentSettings({ timers: { max_duration_s: 'long' }, voicemail: { action: 'sing' }, transfer_numbers: null, kind: 'flow' });
    expect(settings.timers).toBeUndefined();
    expect(settings.voicemail).toBeUndefined();
    expect('transfer_numbers' in settings).toBe(false);
    expect(settings['kind']).toBe('flow');
  });
  it('loads a voicemail setting a later release refuses to save, rather than dropping it', () => {
    const settings = parseAgentSettings({ voicemail: { action: 'leave_message', message: 'Hi.', max_verdict_ms: 2900, retired_key: true } });
    expect(settings.voicemail).toMatchObject({ action: 'leave_message', message: 'Hi.', max_verdict_ms: 2900 });
  });
});
