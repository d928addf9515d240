/**
 * `parley keys …`: through the API when a key is given, else straight on the store (for the
 * first key, or a lost one; with PGlite, stop the server first: only one process may open it).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { openDatabase } from '../store/database.js';
import { ApiKeyService, scopes, type Scope } from '../keys/api-keys.js';
import { defaultOrgId } from '../orgs/organizations.js';
import { organizations } from '../store/schema.js';
import { callApi, type CliTarget } from './api-client.js';

async function withLocalKeys<T>(fn: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
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
        : await withLocalKeys((service) => service.create(defaultOrgId, options.name, wanted));
      print(created);
      process.stderr.write('The key is shown only this once.\n');
    });
  keys.command('list').action(async () => {
    const t = target();
    print(t.key ? (await callApi(t, 'GET', '/v1/api-keys')).data : await withLocalKeys((service) => service.list(defaultOrgId)));
  });
  keys
    .command('revoke')
    .argument('<id>', 'key id (key_…)')
    .action(async (id: string) => {
      const t = target();
      print(t.key ? await callApi(t, 'DELETE', `/v1/api-keys/${id}`) : await withLocalKeys((service) => service.revoke(defaultOrgId, id)));
    });
}
