import { describe, expect, it } from 'vitest';
import { BargeInPolicy } from './barge-in.js';
import { interruptionSettings } from './settings.js';

const policy = (settings: Record<string, unknown> = {}) => new BargeInPolicy(interruptionSettings.parse(settings));

describe('BargeInPolicy', () => {
  it('hears backchannels as whole phrases, whatever the punctuation and case', () => {
    const p = policy();
    for (const text of ['uh-huh', 'Mm-hmm.', 'okay, yeah', 'Yeah, sure, all right!', 'I see', 'got it']) expect(p.isBackchannel(text), text).toBe(true);
    for (const text of ['', 'wait', 'okay but no', 'yeah, stop please', 'all of them', 'see you']) expect(p.isBackchannel(text), text).toBe(false);
  });

  it('interrupts only past the minimum duration, not on backchannels, and on wordless speech after a grace', () => {
    const p = policy({ min_duration_ms: 500 });
    expect(p.decide(480, 'wait stop')).toBe('wait');
    expect(p.decide(520, 'wait stop')).toBe('interrupt');
    expect(p.decide(2000, 'okay, yeah')).toBe('wait');
    expect(p.decide(600, '')).toBe('wait');
    expect(p.decide(950, '')).toBe('interrupt');
  });

  it('takes the agent\'s own backchannels and can be switched off', () => {
    expect(policy({ backchannels: ['claro', 'vale'] }).isBackchannel('vale, claro')).toBe(true);
    expect(policy({ enabled: false }).decide(5000, 'stop right there')).toBe('ignore');
  });
});
