/**
 * The voice lane's conversation timers, as the text lane has them: re-prompt a silent callee,
 * wrap up after long inactivity, and ask the agent to wrap up before the call's time limit.
 * Silence is only counted while nobody speaks; all of it runs on the session's clock.
 */
import type { Cue } from '../../brain/types.js';
import type { ConversationTimers } from '../../conversation/timers.js';
import type { SessionClock } from './clock.js';

export class SessionTimers {
  private lastActivity = 0;
  private lastContact = 0;
  private busy = true;
  private wrappedUp = false;
  private startedAt = 0;
  private started = false;
  private cancel: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly clock: SessionClock,
    private readonly timers: ConversationTimers,
    private readonly onDue: (cue: Cue) => void,
  ) {}

  /** Counting starts now (the answer). */
  start(): void {
    this.started = true;
    this.startedAt = this.lastActivity = this.lastContact = this.clock.now();
    this.arm();
  }

  /** Someone spoke (or stopped speaking): silence counts from now. */
  activity(contact: boolean): void {
    const now = this.clock.now();
    this.lastActivity = now;
    if (contact) this.lastContact = now;
    this.arm();
  }

  /** While busy (the agent talking or thinking, the callee talking) only the wrap-up can fire. */
  setBusy(busy: boolean): void {
    if (this.busy === busy) return;
    this.busy = busy;
    if (!busy) this.lastActivity = this.clock.now();
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  private arm(): void {
    this.cancel?.();
    this.cancel = undefined;
    if (this.stopped || !this.started) return;
    const now = this.clock.now();
    const due: number[] = [];
    const { silenceRepromptMs, inactivityTimeoutMs, wrapUpAtMs } = this.timers;
    if (wrapUpAtMs > 0 && !this.wrappedUp) due.push(this.startedAt + wrapUpAtMs);
    if (!this.busy && silenceRepromptMs > 0) due.push(this.lastActivity + silenceRepromptMs);
    if (!this.busy && inactivityTimeoutMs > 0) due.push(this.lastContact + inactivityTimeoutMs);
    if (due.length === 0) return;
    this.cancel = this.clock.setTimer(Math.max(0, Math.min(...due) - now), () => this.fire());
  }

  private fire(): void {
    this.cancel = undefined;
    if (this.stopped) return;
    const now = this.clock.now();
    const { silenceRepromptMs, inactivityTimeoutMs, wrapUpAtMs } = this.timers;
    if (wrapUpAtMs > 0 && !this.wrappedUp && now >= this.startedAt + wrapUpAtMs) {
      this.wrappedUp = true;
      this.busy = true;
      this.onDue({ type: 'wrap_up', reason: 'max_duration' });
      return;
    }
    if (!this.busy && inactivityTimeoutMs > 0 && now >= this.lastContact + inactivityTimeoutMs) {
      this.busy = true;
      this.onDue({ type: 'wrap_up', reason: 'inactivity' });
      return;
    }
    if (!this.busy && silenceRepromptMs > 0 && now >= this.lastActivity + silenceRepromptMs) {
      this.busy = true;
      this.onDue({ type: 'silence', silentForMs: Math.round(now - this.lastActivity) });
      return;
    }
    this.arm();
  }
}
