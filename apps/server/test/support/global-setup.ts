import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { jobDefinitions } from '../../src/jobs/definitions.ts';
import { startJobEngine } from '../../src/jobs/engine.ts';
import { migrateDatabase, openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { captureLogs } from './log-capture.ts';

/**
 * Vitest globalSetup of the integration project: builds the test databases' templates once per run, so a test
 * file copies a database instead of creating one (support/database.ts).
 *
 * - PGlite: a fresh PGlite takes seconds to initialise its cluster, and migrations plus pg-boss's schema take more.
 *   Two data directories are dumped to files: `empty` (a fresh cluster) and `migrated` (the committed migrations,
 *   pg-boss's schema and the queues of every job definition, exactly what `startRuntime` would create). Loading a
 *   dump takes a fraction of that.
 * - PostgreSQL (TEST_DATABASE_URL): one `migrated` template database; each file runs
 *   `CREATE DATABASE … TEMPLATE …`. An empty database is created as before.
 *
 * The templates are made by the product's own code (migrateDatabase, the job engine), so a file that starts
 * the runtime on a copy finds nothing to do but check it.
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const name = `tl_template_${randomBytes(6).toString('hex')}`;
    await adminQuery(serverUrl, `create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await prepare(await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 4 }));
    // CREATE DATABASE … TEMPLATE fails while anyone is connected to the template: make sure nobody is, or can be.
    await adminQuery(serverUrl, `alter database ${name} with allow_connections false`);
    await adminQuery(
      serverUrl,
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`,
    );
    project.provide('testDatabaseTemplates', { kind: 'postgres', migrated: name });
    return async () => {
      await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
    };
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-test-templates-'));
  const handle = await openDatabase({ kind: 'pglite' });
  if (handle.kind !== 'pglite') throw new Error('expected PGlite');
  const empty = path.join(dir, 'empty.tar');
  const migrated = path.join(dir, 'migrated.tar');
  writeFileSync(empty, Buffer.from(await (await handle.pglite.dumpDataDir('none')).arrayBuffer()));
  await prepare(handle, async () => {
    writeFileSync(migrated, Buffer.from(await (await handle.pglite.dumpDataDir('none')).arrayBuffer()));
  });
  project.provide('testDatabaseTemplates', { kind: 'pglite', empty, migrated });
  return () => rmSync(dir, { recursive: true, force: true });
}

/** Applies the migrations and creates pg-boss's schema and queues, then (optionally dumps and) closes. */
async function prepare(handle: DatabaseHandle, beforeClose?: () => Promise<void>) {
  try {
    await migrateDatabase(handle);
    const jobs = await startJobEngine(handle, captureLogs('warn').logger);
    await jobs.prepare(jobDefinitions);
    await jobs.stop();
    await beforeClose?.();
  } finally {
    await handle.close();
  }
}

async function adminQuery(serverUrl: string, sql: string) {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export type TestDatabaseTemplates =
  { kind: 'pglite'; empty: string; migrated: string } | { kind: 'postgres'; migrated: string };

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabaseTemplates: TestDatabaseTemplates;
  }
}
