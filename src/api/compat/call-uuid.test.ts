import { describe, expect, it } from 'vitest';
import { newId } from '../../shared/ids.js';
import { callIdToUuid, nativeCallId, uuidToCallId } from './call-uuid.js';

describe('call ids as UUIDs', () => {
  it('spells every call id as a UUID and reads it back', () => {
    for (let i = 0; i < 500; i++) {
      const id = newId('call', Date.now() + i * 86_400_000 * 365);
      const uuid = callIdToUuid(id)!;
      expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(uuidToCallId(uuid)).toBe(id);
    }
  });

  it('keeps the time order of the ids in the UUIDs', () => {
    const earlier = callIdToUuid(newId('call', 1_700_000_000_000))!;
    const later = callIdToUuid(newId('call', 1_700_000_000_001))!;
    expect(earlier < later).toBe(true);
  });

  it('maps the documented example UUID onto a call id and back, case-insensitively', () => {
    const id = uuidToCallId('F4A0E9B1-1234-4E8A-9C56-ABCDEF123456')!;
    expect(id).toMatch(/^call_[0-9a-z]{26}$/);
    expect(callIdToUuid(id)).toBe('f4a0e9b1-1234-4e8a-9c56-abcdef123456');
  });

  it('answers null for what is not a call id or a UUID, and passes other text through', () => {
    expect(callIdToUuid('agent_01m7yrw5ked8g2aacw4sy969pk')).toBeNull();
    expect(callIdToUuid('call_abc123')).toBeNull();
    expect(callIdToUuid('call_01m7yrw5ked8g2aacw4sy969pU')).toBeNull();
    expect(callIdToUuid('call_z1m7yrw5ked8g2aacw4sy969pk')).toBeNull(); // beyond 128 bits
    expect(uuidToCallId('CA781212...')).toBeNull();
    expect(nativeCallId('CA781212...')).toBe('CA781212...');
  });
});
