import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * One test file per core (at least two). Most files wait on real-time fakes rather than the CPU,
 * and two per core took CI from 12.7 to 8.6 minutes on a 2-core machine, but the tests that
 * decode the agent's in-band speech frame by frame then lost symbols when a frame came late
 * (2 failed runs in about 10): real-time audio needs the CPU headroom.
 */
const forks = Math.min(8, Math.max(2, availableParallelism()));

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
