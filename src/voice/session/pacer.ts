/**
 * One timer for every call's outbound audio. Each playout keeps the carrier a little ahead of
 * real time (its lead); the pacer tops them all up every `tickMs`. A single loop over the live
 * playouts costs far less than a timer per call (500 calls × 50 frames/s would be 25 000 timers a
 * second), and it stops when no call has audio queued, so an idle server does no work.
 */
import type { SessionClock } from './clock.js';

/** Something the pacer tops up. */
export interface Pumpable {
  /** Sends what is due by `now`; returns true while it still holds audio to send. */
  pump(now: number): boolean;
}

export class FramePacer {
  private readonly active = new Set<Pumpable>();
  private cancelTimer: (() => void) | undefined;
  private nextAt = 0;

  /** `tickMs` in the clock's time; 10 ms keeps frames within half a frame of their slot. */
  constructor(
    readonly clock: SessionClock,
    readonly tickMs = 10,
  ) {}

  /** Playouts currently topped up. */
  get size(): number {
    return this.active.size;
  }

  add(playout: Pumpable): void {
    this.active.add(playout);
    if (!this.cancelTimer) {
      this.nextAt = this.clock.now() + this.tickMs;
      this.cancelTimer = this.clock.setTimer(this.tickMs, this.tick);
    }
  }

  delete(playout: Pumpable): void {
    this.active.delete(playout);
  }

  /** Stops the loop (server shutdown); playouts added later start it again. */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.active.clear();
  }

  private readonly tick = (): void => {
    this.cancelTimer = undefined;
    const now = this.clock.now();
    for (const playout of this.active) {
      if (!playout.pump(now)) this.active.delete(playout);
    }
    if (this.active.size === 0) return;
    // Keep the nominal cadence; after a stall longer than a tick, start again from now.
    this.nextAt += this.tickMs;
    if (this.nextAt < now) this.nextAt = now + this.tickMs;
    this.cancelTimer = this.clock.setTimer(this.nextAt - now, this.tick);
  };
}
