import { describe, expect, it } from 'vitest';
import { OrgSlots } from './org-slots.js';

describe('OrgSlots', () => {
  it('gives each organisation up to its limit, and a slot back once however often it is released', () => {
    const slots = new OrgSlots(2);
    const first = slots.take('org_a')!;
    const second = slots.take('org_a')!;
    expect(slots.take('org_a')).toBeNull();
    expect(slots.full('org_a')).toBe(true);
    expect(slots.take('org_b')).not.toBeNull();
    first();
    first();
    expect(slots.full('org_a')).toBe(false);
    expect(slots.take('org_a')).not.toBeNull();
    expect(slots.take('org_a')).toBeNull();
    second();
    expect(slots.take('org_a')).not.toBeNull();
  });
});
