/** Composition root: load config, start Parley, stop cleanly on a signal. */
import { loadConfig } from './config/config.js';
import { startParley } from './app.js';

const config = loadConfig();
const parley = await startParley(config);

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
    if (stopping) process.exit(1);
    stopping = true;
    void parley.close().then(() => process.exit(0));
  });
}
