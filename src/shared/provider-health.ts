/**
 * Which providers of a fallback chain are failing, remembered across streams. During a vendor
 * outage every new call would otherwise open the failing provider first and pay its failure
 * (a refused WebSocket upgrade or a timeout: 0.1 s to several seconds) before falling back.
 * A provider that failed is tried after the healthy ones until its cool-down ends; then one
 * stream probes it in its own place again, and a success restores it. Repeated failures double
 * the cool-down, up to `maxCooldownMs`.
 */

import type { ProviderError } from './errors.js';

/** The default rule: retryable errors and connection failures move on; auth, quota and bad requests do not. */
export function isFallbackWorthy(error: ProviderError): boolean {
  return error.retryable || error.category === 'connectivity';
}

/** Settings of the health memory. */
export interface ProviderHealthOptions {
  /** Cool-down after a first failure. Default 30 s. */
  readonly cooldownMs?: number;
  /** Longest cool-down after repeated failures. Default 5 min. */
  readonly maxCooldownMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

interface Health {
  failures: number;
  /** Until when the provider is skipped (placed last); 0 when healthy. */
  downUntilMs: number;
  /** A stream is probing it now: others keep it last until the probe says. */
  probing: boolean;
}

/** Availability of each provider of one chain, shared by every stream the chain opens. */
export class ProviderHealth<P extends { readonly id: string }> {
  private readonly health = new Map<P, Health>();
  private readonly cooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly now: () => number;

  constructor(
    readonly providers: readonly P[],
    options: ProviderHealthOptions = {},
  ) {
    if (providers.length === 0) throw new RangeError('A fallback chain needs at least one provider');
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.maxCooldownMs = options.maxCooldownMs ?? 300_000;
    this.now = options.now ?? Date.now;
    for (const provider of providers) this.health.set(provider, { failures: 0, downUntilMs: 0, probing: false });
  }

  /**
   * The order a new stream tries the providers in: by preference, except that providers in
   * their cool-down (or being probed by another stream) go last. One whose cool-down has ended
   * is back in its own place; the first stream that opens it probes it (`opened`).
   */
  order(): P[] {
    const now = this.now();
    const first: P[] = [];
    const last: P[] = [];
    for (const provider of this.providers) {
      const health = this.health.get(provider)!;
      const available = health.failures === 0 || (health.downUntilMs <= now && !health.probing);
      (available ? first : last).push(provider);
    }
    return [...first, ...last];
  }

  /** A stream opened `provider`: if it was failing, this stream is its probe. */
  opened(provider: P): void {
    const health = this.health.get(provider);
    if (health && health.failures > 0) health.probing = true;
  }

  /** `provider` failed in a way that moved the stream to the next one. */
  failed(provider: P): void {
    const health = this.health.get(provider);
    if (!health) return;
    health.failures++;
    health.probing = false;
    health.downUntilMs = this.now() + Math.min(this.maxCooldownMs, this.cooldownMs * 2 ** (health.failures - 1));
  }

  /** `provider` produced a result: it is healthy again. */
  succeeded(provider: P): void {
    const health = this.health.get(provider);
    if (!health || health.failures === 0) return;
    health.failures = 0;
    health.downUntilMs = 0;
    health.probing = false;
  }

  /** A stream that was probing `provider` ended before it said either way. */
  released(provider: P): void {
    const health = this.health.get(provider);
    if (health) health.probing = false;
  }

  /** Whether `provider` is in its cool-down now (metrics, tests). */
  isDown(provider: P): boolean {
    const health = this.health.get(provider);
    return health !== undefined && health.failures > 0 && health.downUntilMs > this.now();
  }
}
