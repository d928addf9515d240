/**
 * The database: embedded PGlite in the data folder by default, a PostgreSQL server when a URL
 * is given. One schema and one set of migrations serve both.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema.js';
import { lockDataDir } from './data-dir-lock.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/**
 * A transaction on the store, as `db.transaction` hands it to its callback. It is a Db too, so
 * code that may run in or out of one takes a Db; code that must run inside one takes a Tx.
 */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What pg-boss needs to run on a connection it does not own. */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /**
   * Connections of the dispatcher's claim rounds alone (on PostgreSQL, a pool of its own): a
   * round must not queue behind the statements of the hundreds of calls it has just started,
   * or dispatch slows to the pace at which those calls end. On PGlite, the one connection.
   */
  readonly claimDb: Db;
  /** Raw SQL with $n parameters; multi-statement text when there are no values. */
  readonly sql: SqlExecutor;
  /** A Postgres connection string, when on a server (pg-boss then opens its own pool). */
  readonly connectionString: string | undefined;
  close(): Promise<void>;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Arbitrary constant: serialises migrations across processes sharing a server. */
const migrationLockId = 727_100_001;

let onPoolError: (error: Error) => void = (error) => process.emitWarning(`PostgreSQL pool: ${error.message}`);

/** Where errors of idle pooled connections go (the composition root points it at the logger). */
export function setPoolErrorHandler(handler: (error: Error) => void): void {
  onPoolError = handler;
}

export interface OpenDatabaseOptions {
  /** postgres://… ; when absent, PGlite is used. */
  readonly databaseUrl?: string | undefined;
  /** PGlite data folder, or 'memory://' for a throwaway database. */
  readonly dataDir?: string;
  /** Who opens a PGlite data folder ('server', 'cli'): named to a second process the lock refuses. */
  readonly role?: string;
}

/** Opens the database and applies pending migrations. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.dataDir ?? 'memory://', options.role ?? 'server');
}

async function openPglite(dataDir: string, role: string): Promise<Database> {
  let location = dataDir;
  let lock: { release(): void } | undefined;
  if (!dataDir.startsWith('memory://')) {
    location = resolve(dataDir, 'pgdata');
    mkdirSync(dirname(location), { recursive: true });
    // PGlite has no lock of its own: a second process would open the same files and corrupt them.
    lock = lockDataDir(dirname(location), role);
  }
  let client: PGlite;
  let db: Db;
  try {
    client = yieldingToIo(await PGlite.create(location));
    db = drizzlePglite(client, { schema }) as Db;
    await migratePglite(db as never, { migrationsFolder });
  } catch (error) {
    lock?.release();
    throw error;
  }
  return {
    kind: 'pglite',
    db,
    claimDb: db,
    connectionString: undefined,
    sql: {
      async executeSql(text, values) {
        if (values && values.length > 0) return client.query(text, values);
        const results = await client.exec(text);
        return results[results.length - 1] ?? { rows: [] };
      },
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * PGlite runs every statement on this thread and settles its promises as microtasks, so a
 * stream of queries (a campaign's calls, each moving through its statuses) chains from one to
 * the next without the event loop ever reaching its sockets and timers: the campaign bench saw
 * a single API request wait 11.5 s (p95), and the event loop stall for 20-30 s, behind 200 live
 * calls. Each statement and transaction started from outside a transaction first lets pending
 * I/O run once (one setImmediate, microseconds), so requests take turns with the campaign.
 * A statement asked for before `close()` still runs: closing waits for the ones taking their turn
 * (pg-boss completes a job as the process stops; it would otherwise find the database closed).
 */
function yieldingToIo(client: PGlite): PGlite {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const waiting = new Set<Promise<unknown>>();
  const afterTurn = <T>(run: () => Promise<T>): Promise<T> => {
    const started = turn().then(run);
    waiting.add(started);
    started.then(() => waiting.delete(started), () => waiting.delete(started));
    return started;
  };
  const query = client.query.bind(client);
  const exec = client.exec.bind(client);
  const transaction = client.transaction.bind(client);
  const close = client.close.bind(client);
  return Object.assign(client, {
    query: (...args: Parameters<PGlite['query']>) => afterTurn(() => query(...args)),
    exec: (...args: Parameters<PGlite['exec']>) => afterTurn(() => exec(...args)),
    transaction: (...args: Parameters<PGlite['transaction']>) => afterTurn(() => transaction(...args)),
    close: async () => {
      await Promise.allSettled([...waiting]);
      return close();
    },
  }) as PGlite;
}

async function openPostgres(connectionString: string): Promise<Database> {
  const lockClient = new pg.Client({ connectionString });
  await lockClient.connect();
  try {
    await lockClient.query('select pg_advisory_lock($1)', [migrationLockId]);
    await migratePg(drizzlePg(lockClient), { migrationsFolder });
    await lockClient.query('select pg_advisory_unlock($1)', [migrationLockId]);
  } finally {
    await lockClient.end();
  }
  const pool = new pg.Pool({ connectionString, max: 10 });
  // An idle client the server drops (a restart, an admin's terminate) emits here; unheard, it
  // would crash the process. The pool replaces the client on the next query.
  pool.on('error', (error) => onPoolError(error));
  const db = drizzlePg(pool, { schema }) as Db;
  // The scheduler runs one claim round at a time in a process.
  const claimPool = new pg.Pool({ connectionString, max: 1 });
  claimPool.on('error', (error) => onPoolError(error));
  return {
    kind: 'postgres',
    db,
    claimDb: drizzlePg(claimPool, { schema }) as Db,
    connectionString,
    sql: { executeSql: (text, values) => pool.query(text, values as unknown[] | undefined) },
    close: async () => {
      await Promise.all([pool.end(), claimPool.end()]);
    },
  };
}
