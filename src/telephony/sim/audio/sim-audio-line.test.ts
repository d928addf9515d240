import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Frame } from '../../../media/frames.js';
import { createSimClock } from '../pace.js';
import { personaDefinition, scriptedPersona } from '../personas.js';
import { SimAudioLine, type HeardEvent } from './sim-audio-line.js';

/** Ears that hear the agent say what `script` lists at the given 20 ms frames. */
function scriptedEars(script: Record<number, HeardEvent[]>) {
  let frame = 0;
  return () => ({ push: () => script[++frame] ?? [] });
}

function line(replies: unknown[], script: Record<number, HeardEvent[]>) {
  const frames: Frame[] = [];
  const simLine = new SimAudioLine({
    persona: scriptedPersona(personaDefinition.parse({ replies, response_delay_ms: 300, after_replies: 'silence', opening: 'Hi.' })),
    callee: 'person',
    clock: createSimClock(1),
    onAgentHangUp: () => undefined,
    onContactHangUp: () => undefined,
    ears: scriptedEars(script),
  });
  void (async () => {
    for await (const frame of simLine.frames) frames.push(frame);
  })();
  return { simLine, keys: () => frames.flatMap((frame) => (frame.kind === 'dtmf' ? [frame.digit] : [])).join('') };
}

const said = (text: string): HeardEvent[] => [{ type: 'transcript', text, isFinal: true, speechFinal: true }];

describe('SimAudioLine', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('presses a reply of keys as one DTMF frame per key', async () => {
    const { simLine, keys } = line([{ dtmf: '0123#' }], { 10: [{ type: 'speech_started' }], 50: said('Your PIN, then pound.') });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(keys()).toBe('0123#');
    simLine.hangUp();
  });

  it('presses a long reply of keys without piling timers on the line (no MaxListenersExceededWarning)', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const { simLine, keys } = line([{ dtmf: '0123456789*#0123' }], { 10: [{ type: 'speech_started' }], 50: said('Your account number, then pound.') });
      await vi.advanceTimersByTimeAsync(10_000);
      expect(keys()).toBe('0123456789*#0123');
      simLine.hangUp();
      await vi.advanceTimersByTimeAsync(10);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('answers an agent turn that paused midway once, with the reply for that turn', async () => {
    // "Please enter" ... 160 ms ... "your PIN.": the agent went on before the persona's 300 ms were up.
    const { simLine, keys } = line([{ dtmf: '4321#' }, { dtmf: '1' }], {
      10: [{ type: 'speech_started' }], 40: said('Please enter'),
      45: [{ type: 'speech_started' }], 48: said('your PIN.'),
    });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(keys()).toBe('4321#');
    simLine.hangUp();
  });

  it('waits for an agent that resumed before its reply was due, even when the rest takes longer than the reply delay', async () => {
    // "Please enter" ends at frame 40; the reply would be due at frame 55, but the agent resumes at
    // 45 and says "your PIN, then pound." until frame 80.
    const { simLine, keys } = line([{ dtmf: '4321#' }, { dtmf: '1' }], {
      10: [{ type: 'speech_started' }], 40: said('Please enter'),
      45: [{ type: 'speech_started' }], 80: said('your PIN, then pound.'),
    });
    await vi.advanceTimersByTimeAsync(1_500);
    // Not a key before the agent is done (frame 80, 1.6 s in).
    expect(keys()).toBe('');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(keys()).toBe('4321#');
    simLine.hangUp();
  });
});
