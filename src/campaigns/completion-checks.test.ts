import { describe, expect, it } from 'vitest';
import { CompletionChecks } from './campaign-progress.js';

describe('CompletionChecks', () => {
  it('runs one check per burst of ends, and always one that starts after the last end', async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    const checks = new CompletionChecks(
      (campaignId) => {
        started.push(campaignId);
        return new Promise<void>((resolve) => release.push(resolve));
      },
      (error) => {
        throw error;
      },
    );
    checks.ended('a');
    for (let i = 0; i < 1000; i++) checks.ended('a');
    checks.ended('b');
    // One check each under way; the 1,000 ends of `a` meanwhile asked for one more, not 1,000.
    expect(started).toEqual(['a', 'b']);
    release.shift()!();
    release.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b', 'a']);
    release.shift()!();
    await checks.settled();
    expect(started).toEqual(['a', 'b', 'a']);
  });

  it('hands a failed check to its error handler and keeps checking', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const checks = new CompletionChecks(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database gone');
    }, (error) => errors.push(error));
    checks.ended('a');
    await checks.settled();
    checks.ended('a');
    await checks.settled();
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });
});
