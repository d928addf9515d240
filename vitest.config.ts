import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two test files per core (at least four, at most eight). Most files wait on real-time fakes
 * rather than the CPU: two per core took CI from 12.7 to 8.6 minutes on a 2-core machine. A test
 * that listens to real-time audio must read what was played, never what the clock says should
 * have been by now: a file sharing the CPU runs its timers late (the test caller lost characters
 * that way until it read the frames the fake had played).
 */
const forks = Math.min(8, Math.max(4, 2 * availableParallelism()));

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: forks, minForks: 1 } },
    // A poll waits on a process that shares the CPU with other test files: give it time.
    expect: { poll: { timeout: 10_000 }, requireAssertions: true },
  },
});
