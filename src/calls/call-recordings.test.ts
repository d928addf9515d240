import { describe, expect, it } from 'vitest';
import { CallRecordings } from './call-recordings.js';
import { createLogger } from '../shared/logger.js';
import type { RecordingStorage } from '../recordings/storage.js';

describe('CallRecordings.recover', () => {
  it('leaves a recording it cannot finish now (its store is down) for the next start, and goes on with the rest', async () => {
    const tried: string[] = [];
    const storage: Pick<RecordingStorage, 'unfinished' | 'recover'> = {
      unfinished: async () => ['org_a/call_a.wav', 'org_b/call_b.wav'],
      recover: async (key) => {
        tried.push(key);
        if (key === 'org_a/call_a.wav') throw new Error('the object store is unreachable');
        return null;
      },
    };
    const recordings = new CallRecordings({ storage: storage as RecordingStorage, db: undefined as never, records: undefined as never, log: createLogger({ level: 'silent' }), retentionDays: 0 });
    await expect(recordings.recover()).resolves.toBe(0);
    expect(tried).toEqual(['org_a/call_a.wav', 'org_b/call_b.wav']);
  });
});
