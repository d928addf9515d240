/**
 * What a benchmark run could not help, read alongside its figures: this process's garbage
 * collection pauses and the CPU time the machine's hypervisor gave to other guests. On a shared
 * VM the second is the usual cause of a bad p99; neither is subtracted from anything.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

/** CPU time the hypervisor gave to other guests (Linux /proc/stat `steal`), in ms; null elsewhere. */
export function stolenMs(): number | null {
  try {
    const steal = Number(readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)[8]);
    return Number.isFinite(steal) ? steal * 10 : null;
  } catch {
    return null;
  }
}

export interface Conditions {
  readonly gcPauses: number;
  /** Pauses of 5 ms or more: long enough to show in a frame's lateness or a turn's p99. */
  readonly longGcPauses: number;
  readonly longestGcMs: number;
  /** Null where /proc/stat is not readable. */
  readonly stolenMs: number | null;
  readonly seconds: number;
}

/** Starts watching; the returned function stops and reports what happened since. */
export function watchConditions(): () => Conditions {
  const pauses: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push(entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  const stolenAtStart = stolenMs();
  const startedAt = performance.now();
  return () => {
    observer.disconnect();
    const stolen = stolenMs();
    return {
      gcPauses: pauses.length,
      longGcPauses: pauses.filter((ms) => ms >= 5).length,
      longestGcMs: Math.max(0, ...pauses),
      stolenMs: stolen !== null && stolenAtStart !== null ? stolen - stolenAtStart : null,
      seconds: (performance.now() - startedAt) / 1000,
    };
  };
}

/** One line for under a table. */
export function describeConditions(conditions: Conditions, whose = 'Parley process'): string {
  const gc = `${whose}: ${conditions.gcPauses} GC pauses, ${conditions.longGcPauses} of 5 ms or more (longest ${conditions.longestGcMs.toFixed(1)} ms)`;
  const steal = conditions.stolenMs !== null ? `; CPU stolen by the hypervisor: ${conditions.stolenMs} ms in ${conditions.seconds.toFixed(0)} s` : '';
  return `${gc}${steal}`;
}
