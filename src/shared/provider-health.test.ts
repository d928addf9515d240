// ProviderHealth: failing providers go last across streams, come back after a cool-down, on a fake clock.
import { describe, expect, it } from 'vitest';
import { ProviderHealth } from './provider-health.js';

const a = { id: 'a' };
const b = { id: 'b' };
const c = { id: 'c' };

function chain(options: { cooldownMs?: number; maxCooldownMs?: number } = {}) {
  let nowMs = 0;
  const health = new ProviderHealth([a, b, c], { ...options, now: () => nowMs });
  return { health, advance: (ms: number) => (nowMs += ms) };
}

describe('ProviderHealth', () => {
  it('keeps the order of preference while every provider is healthy', () => {
    expect(chain().health.order()).toEqual([a, b, c]);
  });

  it('moves a failed provider last for new streams until its cool-down ends', () => {
    const { health, advance } = chain({ cooldownMs: 1000 });
    health.opened(a);
    health.failed(a);
    expect(health.order()).toEqual([b, c, a]);
    expect(health.isDown(a)).toBe(true);
    advance(999);
    expect(health.order()).toEqual([b, c, a]);
    advance(1);
    expect(health.order()).toEqual([a, b, c]);
  });

  it('lets one stream probe a provider back while the others keep it last', () => {
    const { health, advance } = chain({ cooldownMs: 1000 });
    health.failed(a);
    advance(1000);
    expect(health.order()[0]).toBe(a);
    health.opened(a);
    expect(health.order()).toEqual([b, c, a]);
    health.succeeded(a);
    expect(health.order()).toEqual([a, b, c]);
    expect(health.isDown(a)).toBe(false);
  });

  it('doubles the cool-down when a probe fails again, up to the maximum', () => {
    const { health, advance } = chain({ cooldownMs: 1000, maxCooldownMs: 3000 });
    health.failed(a);
    advance(1000);
    health.opened(a);
    health.failed(a);
    advance(1999);
    expect(health.order().at(-1)).toBe(a);
    advance(1);
    expect(health.order()[0]).toBe(a);
    health.opened(a);
    health.failed(a);
    advance(3000);
    expect(health.order()[0]).toBe(a);
  });

  it('frees a probe whose stream ended before it said either way', () => {
    const { health, advance } = chain({ cooldownMs: 1000 });
    health.failed(a);
    advance(1000);
    health.opened(a);
    health.released(a);
    expect(health.order()[0]).toBe(a);
  });
});
