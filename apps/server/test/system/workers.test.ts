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
 * Two worker processes share one PostgreSQL queue: 200 jobs sent from this process are each run exactly
 * once, and both workers take part.
 */
const JOBS = 200;
const WORKER_SCRIPT = 'apps/server/test/system/fixtures/probe-worker.ts';

describe('job workers in separate processes', () => {
  let db: FreshDatabase;
  let dataDir: ReturnType<typeof tempDir>;
  const workers: NodeProcess[] = [];
  let handle: DatabaseHandle | undefined;
  let engine: JobEngine | undefined;

  const workersTail = () => workers.map((w) => w.tail(20)).join('\n');

  beforeAll(async () => {
    db = await createFreshDatabase('tl_workers');
    dataDir = tempDir('trunkline-workers');
    await withClient(db.url, (c) =>
      c.query(
        `create table ${PROBE_TABLE} (id bigserial primary key, job_id text not null, pid integer not null, n integer not null, at timestamptz not null default now())`,
      ),
    );
  });

  afterAll(async () => {
    await engine?.stop().catch(() => undefined);
    await handle?.close().catch(() => undefined);
    const ends = await Promise.all(workers.map((w) => w.stop()));
    await db?.drop();
    dataDir?.remove();
    // Workers stop gracefully on SIGTERM; a hang (SIGKILL) or crash would show here.
    expect(ends).toEqual(workers.map(() => ({ code: 0, signal: null })));
  });

  it('runs each of 200 jobs exactly once, spread over both workers', async () => {
    for (const name of ['worker-1', 'worker-2']) {
      workers.push(
        new NodeProcess(name, [WORKER_SCRIPT], {
          DATABASE_URL: db.url,
          // One key for both, as in a real deployment; the probe does not use secrets.
          MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
          DATA_DIR: dataDir.dir,
          WORKER_CONCURRENCY: '10',
          LOG_LEVEL: 'warn',
          PROBE_DELAY_MS: '10',
        }),
      );
    }
    // Both are started before any job exists, so neither can drain the queue alone before the other runs.
    for (const worker of workers) {
      await waitFor(
        `${worker.name} to print READY`,
        () => {
          if (!worker.running)
            throw new WaitAborted(`${worker.name} exited before it was ready.\n${worker.tail()}`);
          return worker.output.some((line) => line.startsWith('READY '));
        },
        { timeoutMs: 60_000, context: () => worker.tail() },
      );
    }

    handle = await openDatabase({ kind: 'postgres', url: db.url, poolSize: 4 });
    engine = await startJobEngine(handle, createLogger({ level: 'warn' }));
    await engine.prepare([probeJob]);
    const sent = new Set<string>();
    for (let n = 0; n < JOBS; n++) {
      const id = await engine.send(probeJob, { n });
      if (!id) throw new Error(`send #${n} returned no job id`);
      sent.add(id);
    }
    expect(sent.size).toBe(JOBS);

    const count = async () =>
      withClient(db.url, async (c) =>
        Number((await c.query<{ n: string }>(`select count(*) as n from ${PROBE_TABLE}`)).rows[0]?.n),
      );
    let lastCount = 0;
    await waitFor(
      `${JOBS} rows in ${PROBE_TABLE}`,
      async () => {
        for (const w of workers)
          if (!w.running) throw new WaitAborted(`${w.name} died while jobs were running.\n${w.tail()}`);
        lastCount = await count();
        return lastCount >= JOBS;
      },
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        context: () => `Rows so far: ${lastCount} of ${JOBS}.\n${workersTail()}`,
      },
    );
    // Let any duplicate run land before counting: pg-boss would only re-run a job after it expired or failed.
    await new Promise((r) => setTimeout(r, 1500));

    const rows = await withClient(
      db.url,
      async (c) =>
        (
          await c.query<{ job_id: string; pid: number; n: number }>(
            `select job_id, pid, n from ${PROBE_TABLE}`,
          )
        ).rows,
    );
    const perJob = new Map<string, number>();
    for (const row of rows) perJob.set(row.job_id, (perJob.get(row.job_id) ?? 0) + 1);
    const duplicates = [...perJob].filter(([, times]) => times > 1);
    expect(duplicates, 'jobs that ran more than once').toEqual([]);
    expect(rows).toHaveLength(JOBS);
    expect(new Set(rows.map((r) => r.job_id))).toEqual(sent);
    expect(new Set(rows.map((r) => r.n)).size).toBe(JOBS);

    const perWorker = new Map<number, number>();
    for (const row of rows) perWorker.set(row.pid, (perWorker.get(row.pid) ?? 0) + 1);
    const [w1, w2] = workers.map((w) => perWorker.get(w.pid) ?? 0);
    expect(
      [...perWorker.keys()].sort(),
      `rows per pid: ${JSON.stringify(Object.fromEntries(perWorker))}`,
    ).toEqual(workers.map((w) => w.pid).sort());
    expect(w1, 'jobs run by worker-1').toBeGreaterThan(0);
    expect(w2, 'jobs run by worker-2').toBeGreaterThan(0);
    expect(w1! + w2!).toBe(JOBS);

    // pg-boss agrees: every job completed, none failed or retried.
    const states = await withClient(
      db.url,
      async (c) =>
        (
          await c.query<{ state: string; n: string }>(
            `select state, count(*) as n from pgboss.job where name = $1 group by state`,
            [probeJob.name],
          )
        ).rows,
    );
    expect(Object.fromEntries(states.map((s) => [s.state, Number(s.n)]))).toEqual({ completed: JOBS });
  });
});
