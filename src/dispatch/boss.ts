/** pg-boss, the durable job queue of webhooks and analysis (dials wait in the calls table instead). */
import PgBoss from 'pg-boss';

/** pg-boss on either a Postgres server (its own pool) or a connection it is handed (PGlite). */
export function createBoss(options: { connectionString?: string | undefined; executeSql?: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }> }): PgBoss {
  const common = { schedule: false, supervise: true, maintenanceIntervalSeconds: 60 } as const;
  if (options.connectionString) return new PgBoss({ ...common, connectionString: options.connectionString, max: 4 });
  if (!options.executeSql) throw new Error('pg-boss needs a connection string or an executeSql adapter');
  return new PgBoss({ ...common, db: { executeSql: options.executeSql } as never });
}
