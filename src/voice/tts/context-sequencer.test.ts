// ContextSequencer: ordered audio, one flushed per flush, cancel.
import { describe, expect, it } from 'vitest';
import { ContextSequencer } from './context-sequencer.js';
import type { TtsEvent } from './types.js';

function setup() {
  const events: TtsEvent[] = [];
  const sequencer = new ContextSequencer((event) => events.push(event));
  const seen = () => events.map((e) => (e.type === 'audio' ? e.payload.toString() : e.type));
  return { sequencer, seen };
}

describe('ContextSequencer', () => {
  it('plays the first context at once and holds the next one until the first is done', () => {
    const { sequencer, seen } = setup();
    sequencer.open('a');
    sequencer.flushRequested('a');
    sequencer.open('b');
    sequencer.flushRequested('b');
    sequencer.audio('b', Buffer.from('b1'));
    sequencer.audio('a', Buffer.from('a1'));
    sequencer.done('b');
    expect(seen()).toEqual(['a1']);
    sequencer.audio('a', Buffer.from('a2'));
    sequencer.done('a');
    expect(seen()).toEqual(['a1', 'a2', 'flushed', 'b1', 'flushed']);
    expect(sequencer.outstanding).toBe(false);
  });

  it('answers an empty flush in turn, after the work before it', () => {
    const { sequencer, seen } = setup();
    sequencer.open('a');
    sequencer.flushRequested('a');
    sequencer.emptyFlush();
    expect(seen()).toEqual([]);
    sequencer.done('a');
    expect(seen()).toEqual(['flushed', 'flushed']);
  });

  it('forgets everything on cancel, drops late audio, and reports what to stop', () => {
    const { sequencer, seen } = setup();
    sequencer.open('a');
    sequencer.flushRequested('a');
    sequencer.open('b');
    expect(sequencer.active).toBe(true);
    expect(sequencer.cancel()).toEqual([
      { id: 'a', flushed: true },
      { id: 'b', flushed: false },
    ]);
    sequencer.audio('a', Buffer.from('late'));
    sequencer.done('a');
    expect(seen()).toEqual([]);
    expect(sequencer.active).toBe(false);
  });
});
