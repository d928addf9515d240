/**
 * The last line of defence of a process that holds live calls: a promise rejection nobody
 * handled is a bug, logged as one, and the process keeps serving every other call.
 */
import type { Logger } from './logger.js';

/** The stable message of the log line, to alert on. */
export const unhandledRejectionMessage = 'unhandled promise rejection (a bug in Parley: the process keeps running)';

/** Installs the handler; returns a function that removes it. */
export function guardUnhandledRejections(log: Logger): () => void {
  const onRejection = (reason: unknown) => {
    log.error({ err: reason }, unhandledRejectionMessage);
  };
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}
