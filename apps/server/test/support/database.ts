import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import {
  migrateDatabase,
  openDatabase,
  pgliteExtensions,
  type Database,
  type DatabaseHandle,
} from '../../src/platform/db/database.ts';
import * as schema from '../../src/platform/db/schema.ts';

export type TestDatabase = { handle: DatabaseHandle; drop(): Promise<void> };

/**
 * A fresh database for one test file: in-memory PGlite by default, or a new database on the PostgreSQL server
 * named by TEST_DATABASE_URL (the system tier runs the same suite that way). Empty by default; with
 * `{ migrated: true }` it already holds the committed migrations and pg-boss's schema and queues, as
 * `startRuntime` would leave them (copied from the template that support/global-setup.ts built for this run;
 * without that setup, e.g. in another Vitest project, it is migrated here).
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const templates = inject('testDatabaseTemplates');
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const dump =
      templates?.kind === 'pglite' ? (options.migrated ? templates.migrated : templates.empty) : null;
    const handle = dump ? await loadPglite(dump) : await openDatabase({ kind: 'pglite' });
    return { handle, drop: () => handle.close() };
  }
  const name = `tl_test_${randomBytes(6).toString('hex')}`;
  const template =
    options.migrated && templates?.kind === 'postgres' ? ` template ${templates.migrated}` : '';
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}${template}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 10 });
  return {
    handle,
    async drop() {
      await handle.close();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * Fills `dir` with a migrated PGlite data directory, as an embedded installation's DATA_DIR/pglite holds after its
 * first start, for tests of what opens one (the CLI, a restart). Copied from the run's template when there is one.
 */
export async function createMigratedPgliteDir(dir: string): Promise<void> {
  const templates = inject('testDatabaseTemplates');
  if (templates?.kind === 'pglite') {
    const pglite = await PGlite.create({
      dataDir: dir,
      loadDataDir: new Blob([await readFile(templates.migrated)]),
      extensions: pgliteExtensions,
    });
    await pglite.close();
    return;
  }
  const handle = await openDatabase({ kind: 'pglite', dir });
  await migrateDatabase(handle);
  await handle.close();
}

/** An in-memory PGlite loaded from a dumped data directory (no initdb), as openDatabase would hand it out. */
async function loadPglite(dumpFile: string): Promise<DatabaseHandle> {
  // The dump's trigram indexes need the extension's code loaded, as openDatabase loads it.
  const pglite = await PGlite.create({
    loadDataDir: new Blob([await readFile(dumpFile)]),
    extensions: pgliteExtensions,
  });
  const db = drizzle(pglite, { schema }) as unknown as Database;
  return { kind: 'pglite', db, pglite, close: () => pglite.close() };
}

export const usingPostgres = () => Boolean(process.env.TEST_DATABASE_URL);
