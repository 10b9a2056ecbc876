import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { DatabaseConfig } from '../../config/config.ts';
import * as schema from './schema.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A database or a transaction on it: repositories accept either. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

export type DatabaseHandle =
  | { kind: 'pglite'; db: Database; pglite: PGlite; close(): Promise<void> }
  | { kind: 'postgres'; db: Database; pool: pg.Pool; url: string; close(): Promise<void> };

/**
 * The PostgreSQL extensions the schema uses (the migrations `CREATE EXTENSION` them), loaded into every PGlite:
 * `pg_trgm` for the trigram indexes of the services search. PostgreSQL ships them in its server package.
 */
export const pgliteExtensions = { pg_trgm };

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/**
 * PostgreSQL settings for the embedded database, given at open. PGlite starts with a server's defaults
 * (`shared_buffers` 128 MB, `temp_buffers` 8 MB, `maintenance_work_mem` 64 MB), and in PGlite the shared buffers
 * are part of the process's WebAssembly memory, written at start-up, so all of them are resident: they were 130 of
 * the one process's 550 MB at idle. One process's data (thousands of services, their runs and jobs) is a few tens
 * of MB, read through the operating system's file cache on a miss, so 32 MB of buffers serve it; `work_mem` stays
 * PostgreSQL's 4 MB. docs/BENCHMARKS.md "Memory" has the figures.
 */
export const PGLITE_SETTINGS = [
  'shared_buffers=32MB',
  'temp_buffers=2MB',
  'maintenance_work_mem=16MB',
  'effective_cache_size=256MB',
];
const pgliteStartParams = [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])];

/** Opens PGlite (persisted under a directory, or in memory when `dir` is undefined) or a PostgreSQL pool. */
export async function openDatabase(
  config: DatabaseConfig | { kind: 'pglite'; dir?: string },
): Promise<DatabaseHandle> {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it. Queries report their own errors.
    });
    const db = drizzlePg(pool, { schema }) as unknown as Database;
    return { kind: 'postgres', db, pool, url: config.url, close: () => pool.end() };
  }
  if (config.dir) await mkdir(config.dir, { recursive: true });
  const pglite = config.dir
    ? new PGlite(config.dir, { extensions: pgliteExtensions, startParams: pgliteStartParams })
    : new PGlite({ extensions: pgliteExtensions, startParams: pgliteStartParams });
  await pglite.waitReady;
  const db = drizzlePglite(pglite, { schema }) as unknown as Database;
  return { kind: 'pglite', db, pglite, close: () => pglite.close() };
}

const MIGRATION_LOCK = 7_314_002_001;

/** Applies the committed migrations. Safe to run twice and from several processes at once. */
export async function migrateDatabase(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === 'pglite') {
    await migratePglite(drizzlePglite(handle.pglite), { migrationsFolder });
    return;
  }
  // Several processes may start together: one applies the migrations while the others wait on the lock.
  const client = new pg.Client({ connectionString: handle.url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migratePg(drizzlePg(client), { migrationsFolder });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}

/** Rows of a raw SQL query; both drivers answer `execute` with `{ rows }`. */
export async function queryRows<T = Record<string, unknown>>(db: Executor, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
