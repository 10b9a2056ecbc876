import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobEngine, type JobEngine } from '../../src/jobs/engine.ts';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { PROBE_TABLE, probeJob } from './fixtures/probe-job.ts';
import {
  createFreshDatabase,
  NodeProcess,
  tempDir,
  waitFor,
  WaitAborted,
  withClient,
  type FreshDatabase,
} from './support.ts';

/**
 * On PostgreSQL a job sent by one process wakes an idle worker in another at once (pg-boss's NOTIFY in the insert,
 * the worker process's LISTEN connection): the worker polls only every 30 s here, and each job still runs within
 * 1.5 s of being sent.
 */
const WORKER_SCRIPT = 'apps/server/test/system/fixtures/probe-worker.ts';
const BOUND_MS = 1500;

describe('job wake-up across processes (PostgreSQL LISTEN/NOTIFY)', () => {
  let db: FreshDatabase;
  let dataDir: ReturnType<typeof tempDir>;
  let worker: NodeProcess | undefined;
  let handle: DatabaseHandle | undefined;
  let engine: JobEngine | undefined;

  beforeAll(async () => {
    db = await createFreshDatabase('tl_wakeup');
    dataDir = tempDir('trunkline-wakeup');
    await withClient(db.url, (c) =>
      c.query(
        `create table ${PROBE_TABLE} (id bigserial primary key, job_id text not null, pid integer not null, n integer not null, at timestamptz not null default now())`,
      ),
    );
  });

  afterAll(async () => {
    await engine?.stop().catch(() => undefined);
    await handle?.close().catch(() => undefined);
    const end = await worker?.stop();
    await db?.drop();
    dataDir?.remove();
    expect(end ?? { code: 0, signal: null }).toEqual({ code: 0, signal: null });
  });

  it('runs a job sent from another process well within the polling interval', async () => {
    worker = new NodeProcess('worker', [WORKER_SCRIPT], {
      DATABASE_URL: db.url,
      MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      DATA_DIR: dataDir.dir,
      WORKER_POLL_SECONDS: '30',
      LOG_LEVEL: 'warn',
    });
    const w = worker;
    await waitFor(
      'the worker to print READY',
      () => {
        if (!w.running) throw new WaitAborted(`the worker exited before it was ready.\n${w.tail()}`);
        return w.output.some((line) => line.startsWith('READY '));
      },
      { timeoutMs: 60_000, context: () => w.tail() },
    );
    handle = await openDatabase({ kind: 'postgres', url: db.url, poolSize: 2 });
    engine = await startJobEngine(handle, createLogger({ level: 'warn' }));
    await engine.prepare([probeJob]);
    // The worker's first fetch happens as it starts; from here on it sleeps 30 s between fetches.
    await new Promise((r) => setTimeout(r, 1000));

    const latencies: number[] = [];
    for (let n = 0; n < 3; n++) {
      const sent = performance.now();
      await engine.send(probeJob, { n });
      await waitFor(
        `probe ${n} to run`,
        async () =>
          withClient(db.url, async (c) =>
            Boolean((await c.query(`select 1 from ${PROBE_TABLE} where n = $1`, [n])).rowCount),
          ),
        { timeoutMs: 40_000, intervalMs: 20, context: () => w.tail() },
      );
      latencies.push(performance.now() - sent);
    }
    expect(
      Math.max(...latencies),
      `latencies ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`,
    ).toBeLessThan(BOUND_MS);
  });
});
