import { afterAll, describe, expect, it } from 'vitest';
import { purgeExpiredAuthJob } from '../../src/jobs/definitions.ts';
import { startJobEngine } from '../../src/jobs/engine.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { Client, expectStatus } from '../support/client.ts';
import {
  createFreshDatabase,
  freePort,
  NodeProcess,
  tempDir,
  waitFor,
  WaitAborted,
  waitForReady,
  withClient,
  type FreshDatabase,
} from './support.ts';

/**
 * The real server process (`node apps/server/src/main.ts`) on PostgreSQL: first start, restart, and the
 * api/worker split.
 */
const ADMIN = { email: 'admin@system.test', password: 'system tier admin password' };
const MAIN = 'apps/server/src/main.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  // Processes first (they hold connections), then databases and directories.
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function startServer(name: string, mode: 'all' | 'api' | 'worker', env: Record<string, string>) {
  const proc = new NodeProcess(name, [MAIN, mode], {
    LOG_LEVEL: 'info',
    TRUNKLINE_ADMIN_EMAIL: ADMIN.email,
    TRUNKLINE_ADMIN_PASSWORD: ADMIN.password,
    ...env,
  });
  cleanups.push(() => proc.stop());
  return proc;
}

async function httpEnv(dataDir: string, databaseUrl: string) {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  return {
    publicUrl,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: publicUrl,
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
    },
  };
}

async function freshDatabase(prefix: string): Promise<FreshDatabase> {
  const db = await createFreshDatabase(prefix);
  cleanups.unshift(() => db.drop()); // runs after every process stopped
  return db;
}

function freshDir(prefix: string) {
  const dir = tempDir(prefix);
  cleanups.unshift(() => dir.remove());
  return dir.dir;
}

const scalar = (url: string, sql: string) =>
  withClient(url, async (c) => Number(Object.values((await c.query(sql)).rows[0] as object)[0]));

describe('the server process on PostgreSQL', () => {
  it('applies migrations once and creates the admin once across a restart', async () => {
    const db = await freshDatabase('tl_start');
    const { publicUrl, env } = await httpEnv(freshDir('trunkline-start'), db.url);

    const first = await startServer('server (first start)', 'all', env);
    await waitForReady(first, publicUrl);
    const signIn = async () => {
      const client = new Client(publicUrl, publicUrl);
      const res = await client.post('/api/v1/session', ADMIN);
      expect(res.status, res.text).toBe(200);
      expect(client.cookie).toMatch(/^trunkline_session=/);
      expect(expectStatus(await client.get('/api/v1/me'), 200)).toMatchObject({ email: ADMIN.email });
    };
    await signIn();

    const migrations = await scalar(db.url, 'select count(*) from drizzle.__drizzle_migrations');
    expect(migrations).toBeGreaterThan(0);
    expect(await scalar(db.url, 'select count(*) from users')).toBe(1);
    expect(first.output.join('\n')).toContain(`Provider admin created: ${ADMIN.email}`);

    expect(await first.stop()).toEqual({ code: 0, signal: null });

    const second = await startServer('server (second start)', 'all', env);
    await waitForReady(second, publicUrl);
    await signIn();
    expect(await scalar(db.url, 'select count(*) from drizzle.__drizzle_migrations')).toBe(migrations);
    expect(await scalar(db.url, 'select count(*) from users')).toBe(1);
    expect(second.output.join('\n')).not.toContain('Provider admin created');
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });

  it('runs the api and the worker as separate processes on one database', async () => {
    const db = await freshDatabase('tl_split');
    // Separate data directories, as on separate hosts; they share the master key.
    const masterKey = Buffer.alloc(32, 9).toString('base64');
    const { publicUrl, env } = await httpEnv(freshDir('trunkline-api'), db.url);
    const workerEnv = { DATABASE_URL: db.url, DATA_DIR: freshDir('trunkline-worker'), MASTER_KEY: masterKey };

    // Started together: both apply migrations at once, which the advisory lock serialises.
    const [api, worker] = await Promise.all([
      startServer('api', 'api', { ...env, MASTER_KEY: masterKey }),
      startServer('worker', 'worker', workerEnv),
    ]);
    const started = (proc: NodeProcess) =>
      waitFor(
        `${proc.name} to log "Trunkline started"`,
        () => {
          if (!proc.running) throw new WaitAborted(`${proc.name} exited.\n${proc.tail()}`);
          return proc.logs().find((l) => l.msg === 'Trunkline started');
        },
        { timeoutMs: 60_000, context: () => proc.tail() },
      );
    const [apiStarted, workerStarted] = await Promise.all([started(api), started(worker)]);
    expect(apiStarted).toMatchObject({
      mode: 'api',
      database: 'postgres',
      url: expect.stringMatching(/^http:\/\//),
    });
    expect(workerStarted).toMatchObject({ mode: 'worker', database: 'postgres', url: null });

    await waitForReady(api, publicUrl);
    const ready = await fetch(`${publicUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok', jobs: 'ok' });
    const client = new Client(publicUrl, publicUrl);
    await client.login(ADMIN.email, ADMIN.password);
    expect(await scalar(db.url, 'select count(*) from users')).toBe(1);

    // A job sent to the shared queue is run by the worker process, never by the api process.
    const handle = await openDatabase({ kind: 'postgres', url: db.url, poolSize: 2 });
    const engine = await startJobEngine(handle, createLogger({ level: 'warn' }));
    let jobId: string | null = null;
    try {
      jobId = await engine.send(purgeExpiredAuthJob, {});
    } finally {
      await engine.stop();
      await handle.close();
    }
    expect(jobId).toBeTruthy();
    const done = await waitFor(
      `the worker to run job ${jobId}`,
      () => {
        for (const p of [api, worker])
          if (!p.running) throw new WaitAborted(`${p.name} exited.\n${p.tail()}`);
        return worker.logs().find((l) => l.msg === 'job done' && l.jobId === jobId);
      },
      { timeoutMs: 30_000, context: () => `${api.tail(15)}\n${worker.tail(15)}` },
    );
    expect(done).toMatchObject({ job: purgeExpiredAuthJob.name });
    expect(api.logs().filter((l) => l.msg === 'job done')).toEqual([]);
    expect(
      await scalar(db.url, `select count(*) from pgboss.job where id = '${jobId}' and state = 'completed'`),
    ).toBe(1);

    // Both still healthy after the work.
    expect(api.running && worker.running).toBe(true);
    expect((await fetch(`${publicUrl}/readyz`)).status).toBe(200);
    const [apiEnd, workerEnd] = await Promise.all([api.stop(), worker.stop()]);
    expect(apiEnd).toEqual({ code: 0, signal: null });
    expect(workerEnd).toEqual({ code: 0, signal: null });
  });
});
