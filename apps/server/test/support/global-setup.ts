import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
 *   dump takes a fraction of that. The dumps are cached between runs (see pgliteTemplates).
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

  project.provide('testDatabaseTemplates', { kind: 'pglite', ...(await pgliteTemplates()) });
}

const serverDir = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = path.join(serverDir, '../../node_modules/.cache/trunkline-test-db');

/**
 * The PGlite dumps, built once and kept in node_modules/.cache under a key of everything they are made of: the
 * migrations, the job definitions and engine, this file, and the locked dependency versions (PGlite, pg-boss).
 * A run after any change to those builds new ones.
 */
async function pgliteTemplates(): Promise<{ empty: string; migrated: string }> {
  const hash = createHash('sha256');
  const inputs = [
    ...readdirSync(path.join(serverDir, 'drizzle'), { recursive: true, encoding: 'utf8' }).map(
      (f) => `drizzle/${f}`,
    ),
    'src/jobs/definitions.ts',
    'src/jobs/engine.ts',
    'src/platform/db/database.ts',
    'test/support/global-setup.ts',
    '../../package-lock.json',
  ].sort();
  for (const file of inputs) {
    const full = path.join(serverDir, file);
    if (statSync(full).isFile()) hash.update(file).update(readFileSync(full));
  }
  const key = hash.digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, key);
  const templates = { empty: path.join(dir, 'empty.tar'), migrated: path.join(dir, 'migrated.tar') };
  if (existsSync(templates.migrated)) return templates;

  // Build beside the cache and rename into place, so a parallel run never reads a half-written dump.
  mkdirSync(cacheDir, { recursive: true });
  const building = mkdtempSync(path.join(cacheDir, 'building-'));
  const handle = await openDatabase({ kind: 'pglite' });
  if (handle.kind !== 'pglite') throw new Error('expected PGlite');
  const dump = async (file: string) =>
    writeFileSync(
      path.join(building, file),
      Buffer.from(await (await handle.pglite.dumpDataDir('none')).arrayBuffer()),
    );
  await dump('empty.tar');
  await prepare(handle, () => dump('migrated.tar'));
  pruneCache(key);
  try {
    renameSync(building, dir);
  } catch {
    // Another run put the same templates there first.
    rmSync(building, { recursive: true, force: true });
  }
  return templates;
}

/**
 * Drops cached templates of other keys, except the three newest and any touched within the hour: the work tree is
 * shared, and a run that started before a migration was added may still be reading its own.
 */
function pruneCache(keep: string) {
  const hour = Date.now() - 3_600_000;
  const entries = readdirSync(cacheDir)
    .filter((name) => name !== keep)
    .map((name) => ({ name, mtime: statSync(path.join(cacheDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { name, mtime } of entries.slice(3))
    if (mtime < hour) rmSync(path.join(cacheDir, name), { recursive: true, force: true });
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
