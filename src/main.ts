/**
 * Composition root: load config, start Parley, stop cleanly on a signal. `npm start` runs this
 * file in the node process itself (`node --import tsx`), so SIGTERM and SIGINT reach it.
 */
import { loadConfig } from './config/config.js';
import { startParley } from './app.js';
import { createLogger } from './shared/logger.js';
import { DataDirLockedError } from './store/data-dir-lock.js';
import { guardUnhandledRejections } from './shared/process-guard.js';

/** A stop that takes longer than this (a hung connection, a stuck provider) exits anyway. */
const shutdownTimeoutMs = 20_000;

const config = loadConfig();
const log = createLogger({ level: config.logLevel });
// Before anything can reject: a missed rejection degrades one request, never every live call.
guardUnhandledRejections(log);
let parley;
try {
  parley = await startParley(config, { logger: log });
} catch (error) {
  if (!(error instanceof DataDirLockedError)) throw error;
  process.stderr.write(`${error.message}.\nOnly one Parley may open an embedded store: stop the other one${error.holder ? ` (kill -TERM ${error.holder.pid})` : ''}, or give this one its own PARLEY_DATA_DIR.\n`);
  process.exit(1);
}

if (parley.generatedKey) {
  process.stdout.write(
    [
      '',
      '  Parley created your admin API key. It is shown only this once: keep it safe.',
      '',
      `      ${parley.generatedKey}`,
      '',
      '  (Set PARLEY_INIT_API_KEY to choose the key yourself.)',
      '',
    ].join('\n') + '\n',
  );
}
process.stdout.write(`Parley is listening on ${parley.url} (store: ${parley.database.kind}, data: ${config.databaseUrl ? 'DATABASE_URL' : config.dataDir})\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      log.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping: no new calls or requests; live calls end; queued calls and webhooks stay queued');
    setTimeout(() => {
      log.error({ timeoutMs: shutdownTimeoutMs }, 'stopping took too long: exiting');
      process.exit(1);
    }, shutdownTimeoutMs).unref();
    parley.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'stopping failed');
        process.exit(1);
      },
    );
  });
}
