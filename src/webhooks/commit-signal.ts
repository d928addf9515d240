/**
 * Hands new deliveries to the queue once the event's transaction has committed, without
 * holding it open: on a Postgres server through NOTIFY (delivered on commit, to every process
 * listening, dropped on rollback); on embedded PGlite by queueing the enqueue behind the
 * transaction (PGlite runs one statement or transaction at a time). Whatever this misses (no
 * listener, a crash) the sweep finds, since the rows themselves are the record.
 */
import pg from 'pg';
import { sql } from 'drizzle-orm';
import type { Database, Db } from '../store/database.js';
import type { Logger } from '../shared/logger.js';

const channel = 'parley_webhook_deliveries';
const reconnectDelayMs = 1_000;

export interface CommitSignal {
  /** Inside the transaction: once it commits, `onCommitted(ids)` runs in the listening processes. */
  afterCommit(tx: Db, ids: readonly string[]): Promise<void>;
  /** Starts listening in this process. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createCommitSignal(database: Database, log: Logger, onCommitted: (ids: string[]) => Promise<void>): CommitSignal {
  const deliver = (ids: string[]) => {
    onCommitted(ids).catch((error: unknown) => log.warn({ err: error }, 'new webhook deliveries could not be enqueued; the sweep will'));
  };
  if (database.kind === 'pglite' || !database.connectionString) {
    return {
      // The enqueue's statements wait for PGlite's lock, which the transaction holds until it ends.
      afterCommit: async (_tx, ids) => {
        setImmediate(() => deliver([...ids]));
      },
      start: async () => undefined,
      stop: async () => undefined,
    };
  }
  const connectionString = database.connectionString;
  let client: pg.Client | undefined;
  let stopped = true;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString });
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload) deliver(message.payload.split(','));
    });
    next.on('error', (error) => {
      log.warn({ err: error }, 'webhook listener lost its connection; reconnecting');
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      scheduleReconnect();
    });
    await next.connect();
    await next.query(`listen ${channel}`);
    if (stopped) {
      await next.end();
      return;
    }
    client = next;
  };
  const scheduleReconnect = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((error: unknown) => {
        log.warn({ err: error }, 'webhook listener could not connect; retrying');
        scheduleReconnect();
      });
    }, reconnectDelayMs);
    retry.unref();
  };

  return {
    afterCommit: async (tx, ids) => {
      await tx.execute(sql`select pg_notify(${channel}, ${ids.join(',')})`);
    },
    async start() {
      stopped = false;
      await connect();
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
