/**
 * Gathers the keys a callee presses into one keypad entry. A voice line delivers keys one at a
 * time (a Twilio `dtmf` event, a browser's keypad message per key), but an answer is the whole
 * entry: "1234#" is one PIN, not four answers. An entry ends on `#`, on the number of keys the
 * brain expects (one for "press 1 for yes"), or after a pause between keys.
 */
import type { SessionClock } from './clock.js';

/**
 * The pause after a key that ends an entry with no `#`. Cisco's and Genesys's IVRs default to 3 s
 * between keys; Twilio's <Gather> waits 5 s, but that is also its wait for the first key. Here the
 * common entries end sooner (on `#` or on their length), so the pause only closes an unterminated
 * entry of unknown length, and 3 s is long enough to read the next digit off a card.
 */
export const INTER_DIGIT_MS = 3000;

/** Longer than any PIN, account or card number: a line that keeps sending keys cannot grow an entry without bound. */
export const MAX_ENTRY_KEYS = 32;

/** Why an entry ended. */
export type EntryEnd = 'terminator' | 'length' | 'pause' | 'limit';

export interface KeypadEntryOptions {
  readonly clock: Pick<SessionClock, 'now' | 'setTimer'>;
  readonly interDigitMs?: number;
  /** How many keys complete an entry for what the agent asks now, when it knows. */
  readonly keysExpected: () => number | undefined;
  /** The first key of an entry: the callee has taken the turn. */
  readonly started: () => void;
  /** A whole entry (the keys as pressed, a closing `#` included), and the clock time of its first key. */
  readonly complete: (keys: string, startedAt: number, end: EntryEnd) => void;
}

export class KeypadEntry {
  private keys = '';
  private startedAt = 0;
  private cancelPause: (() => void) | undefined;
  /** When the last entry ended on its length: a `#` within the pause after it closes that entry, not a new one. */
  private endedOnLengthAt: number | undefined;

  constructor(private readonly options: KeypadEntryOptions) {}

  private get pauseMs(): number {
    return this.options.interDigitMs ?? INTER_DIGIT_MS;
  }

  /** Keys are pressed and the entry is not over yet (the silence re-prompt waits). */
  get collecting(): boolean {
    return this.keys.length > 0;
  }

  press(key: string): void {
    const lengthEndedAt = this.endedOnLengthAt;
    this.endedOnLengthAt = undefined;
    // "Press 1 for yes" answered "1#": the 1 was the entry, the # only closes it.
    if (key === '#' && !this.keys && lengthEndedAt !== undefined && this.options.clock.now() - lengthEndedAt <= this.pauseMs) return;
    if (!this.keys) {
      this.startedAt = this.options.clock.now();
      this.options.started();
    }
    this.keys += key;
    if (key === '#') return this.finish('terminator');
    if (this.keys.length >= MAX_ENTRY_KEYS) return this.finish('limit');
    const expected = this.options.keysExpected();
    if (expected !== undefined && this.keys.length >= expected) return this.finish('length');
    this.cancelPause?.();
    this.cancelPause = this.options.clock.setTimer(this.pauseMs, () => this.finish('pause'));
  }

  /** Drops a partial entry (the call is over). */
  stop(): void {
    this.cancelPause?.();
    this.cancelPause = undefined;
    this.keys = '';
  }

  private finish(end: EntryEnd): void {
    this.cancelPause?.();
    this.cancelPause = undefined;
    const keys = this.keys;
    this.keys = '';
    this.endedOnLengthAt = end === 'length' ? this.options.clock.now() : undefined;
    if (keys) this.options.complete(keys, this.startedAt, end);
  }
}
