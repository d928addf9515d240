/**
 * `parley keys …`: through the API when a key is given, else straight on the store (for the
 * first key, or a lost one). With PGlite the server holds the data folder's lock: the CLI then
 * refuses and says how to go through the API or stop the server.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { openDatabase } from '../store/database.js';
import { ApiKeyService, scopes, type Scope } from '../keys/api-keys.js';
import { defaultOrgId } from '../orgs/organizations.js';
import { organizations } from '../store/schema.js';
import { DataDirLockedError } from '../store/data-dir-lock.js';
import { callApi, type CliTarget } from './api-client.js';

/** What to do when the server holds the embedded store: the CLI never writes beside it. */
export function lockedMessage(error: DataDirLockedError, command: string): string {
  const pid = error.holder?.pid;
  return [
    `${error.message}.`,
    'Only one process may open an embedded (PGlite) store, so nothing was changed.',
    'Either:',
    `  - go through the running server with an admin key: PARLEY_API_KEY=<admin key> npm run parley -- ${command}`,
    `    (or pass --key <admin key>; --url if it does not listen on http://127.0.0.1:$PORT), or`,
    `  - stop the server (Ctrl-C in its terminal${pid ? `, or kill -TERM ${pid}` : ''}) and run this again.`,
  ].join('\n');
}

async function withLocalKeys<T>(command: string, fn: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  const config = loadConfig();
  let database;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, role: 'cli' });
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new Error(lockedMessage(error, command), { cause: error });
    throw error;
  }
  try {
    await database.db.insert(organizations).values({ id: defaultOrgId, name: 'Default', isDefault: true }).onConflictDoNothing();
    return await fn(new ApiKeyService(database.db));
  } finally {
    await database.close();
  }
}

function parseScopes(value: string): Scope[] {
  const list = value.split(/[\s,]+/).filter(Boolean);
  const unknown = list.filter((scope) => !(scopes as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new Error(`Unknown scope(s): ${unknown.join(', ')}. Scopes: ${scopes.join(', ')}`);
  return list as Scope[];
}

export function registerKeyCommands(program: Command, target: () => CliTarget, print: (value: unknown) => void): void {
  const keys = program.command('keys').description('API keys: create (shown once), list, revoke');
  keys
    .command('create')
    .requiredOption('--name <name>', 'a name to recognise the key by')
    .option('--scopes <scopes>', `comma-separated: ${scopes.join(', ')}`, 'admin')
    .action(async (options: { name: string; scopes: string }) => {
      const wanted = parseScopes(options.scopes);
      const t = target();
      const created = t.key
        ? await callApi(t, 'POST', '/v1/api-keys', { name: options.name, scopes: wanted })
        : await withLocalKeys(`keys create --name ${JSON.stringify(options.name)} --scopes ${wanted.join(',')}`, (service) => service.create(defaultOrgId, options.name, wanted));
      print(created);
      process.stderr.write('The key is shown only this once.\n');
    });
  keys.command('list').action(async () => {
    const t = target();
    print(t.key ? (await callApi(t, 'GET', '/v1/api-keys')).data : await withLocalKeys('keys list', (service) => service.list(defaultOrgId)));
  });
  keys
    .command('revoke')
    .argument('<id>', 'key id (key_…)')
    .action(async (id: string) => {
      const t = target();
      print(t.key ? await callApi(t, 'DELETE', `/v1/api-keys/${id}`) : await withLocalKeys(`keys revoke ${id}`, (service) => service.revoke(defaultOrgId, id)));
    });
}
