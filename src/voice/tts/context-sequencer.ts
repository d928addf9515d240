/**
 * Orders the audio of utterance contexts for the vendors that multiplex them on one socket
 * (ElevenLabs multi-context, Cartesia): the next utterance may start generating before the
 * previous one finished, so its audio waits until the earlier context is done. It also keeps
 * the `flushed` promise of the TtsStream contract: one `flushed` per flush(), in order, none
 * after cancel(), and drops any audio that arrives for a cancelled context.
 */
import type { TtsEvent } from './types.js';

interface Context {
  readonly id: string;
  flushRequested: boolean;
  done: boolean;
  buffered: Buffer[];
}

/** Sequencing state of one TtsStream. */
export class ContextSequencer {
  private contexts: Context[] = [];
  private readonly known = new Map<string, Context>();
  private emptyFlushes = 0;

  constructor(private readonly emit: (event: Extract<TtsEvent, { type: 'audio' | 'flushed' }>) => void) {}

  /** True while some flushed text still owes audio or its `flushed`. */
  get outstanding(): boolean {
    return this.contexts.some((context) => context.flushRequested && !context.done);
  }

  /** True while any context (flushed or still taking text) is live. */
  get active(): boolean {
    return this.contexts.length > 0;
  }

  /** A new context at the tail, taking text. */
  open(id: string): void {
    const context: Context = { id, flushRequested: false, done: false, buffered: [] };
    this.contexts.push(context);
    this.known.set(id, context);
  }

  /** flush() was called for this context: its `flushed` comes once it is done. */
  flushRequested(id: string): void {
    const context = this.known.get(id);
    if (context) context.flushRequested = true;
  }

  /** flush() with no text since the last one: a `flushed` in turn, once everything before it is done. */
  emptyFlush(): void {
    const id = `empty-${++this.emptyFlushes}`;
    this.open(id);
    this.flushRequested(id);
    this.done(id);
  }

  /** Audio for a context: played now if it is first in line, held otherwise, dropped if unknown. */
  audio(id: string, payload: Buffer): void {
    const context = this.known.get(id);
    if (!context || payload.length === 0) return;
    if (this.contexts[0] === context) this.emit({ type: 'audio', payload });
    else context.buffered.push(payload);
  }

  /** The vendor finished a context. */
  done(id: string): void {
    const context = this.known.get(id);
    if (!context) return;
    context.done = true;
    this.advance();
  }

  /** Forgets every context; returns those the vendor should stop, and whether each was flushed. */
  cancel(): Array<{ readonly id: string; readonly flushed: boolean }> {
    const live = this.contexts
      .filter((context) => !context.id.startsWith('empty-'))
      .map((context) => ({ id: context.id, flushed: context.flushRequested }));
    this.contexts = [];
    this.known.clear();
    return live;
  }

  private advance(): void {
    while (this.contexts.length > 0 && this.contexts[0]!.done) {
      const finished = this.contexts.shift()!;
      this.known.delete(finished.id);
      if (finished.flushRequested) this.emit({ type: 'flushed' });
      const next = this.contexts[0];
      if (next) {
        for (const payload of next.buffered) this.emit({ type: 'audio', payload });
        next.buffered = [];
      }
    }
  }
}
