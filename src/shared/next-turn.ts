/**
 * Lets pending I/O and timers run before going on: long work on this thread (a 100,000-row
 * import) calls it between slices, so live calls' audio and other requests keep their turns.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
