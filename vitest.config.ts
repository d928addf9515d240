import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two test files per core: most of them wait on real-time fakes (a Twilio media stream plays
 * at the speed of a phone line), not on the CPU. On the 2-core CI machine this took a pass from
 * about 6 to 4.5 minutes.
 */
const forks = Math.min(8, Math.max(2, availableParallelism() * 2));

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: forks, minForks: 1 } },
    // A poll waits on a process that shares the CPU with three other test files: give it time.
    expect: { poll: { timeout: 10_000 }, requireAssertions: true },
  },
});
