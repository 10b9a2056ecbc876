import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobEngine, type JobEngine } from '../../src/jobs/engine.ts';
import { defineJob, handle } from '../../src/jobs/job.ts';
import { openChangeFeed, type ChangeFeed } from '../../src/platform/changes/change-feed.ts';
import { migrateDatabase, openDatabase } from '../../src/platform/db/database.ts';
import { createTestDatabase } from '../support/database.ts';
import { captureLogs } from '../support/log-capture.ts';

/**
 * A job that can start now wakes an idle worker at once (pg-boss's NOTIFY heard through the change feed; PGlite's
 * in-process LISTEN), instead of waiting for the worker's next poll. Polling here is every 5 s, so a start within
 * 400 ms is the wake-up's doing.
 */
describe('job wake-up (NOTIFY on send, polling only as the fallback)', () => {
  const POLL_SECONDS = 5;
  const BOUND_MS = 400;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let engine: JobEngine;
  let changes: ChangeFeed;
  const logs = captureLogs();
  const ping = defineJob({
    name: 'test.wake',
    payload: z.object({ n: z.number().int() }),
    retry: { limit: 0, delaySeconds: 0, backoff: false },
    expireInSeconds: 30,
  });
  const delayed = defineJob({
    name: 'test.wake-delayed',
    payload: z.object({ n: z.number().int() }),
    retry: { limit: 0, delaySeconds: 0, backoff: false },
    expireInSeconds: 30,
  });
  const delayedStarts: number[] = [];
  const started = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  const startOf = (n: number) =>
    started.has(n)
      ? Promise.resolve(started.get(n)!)
      : new Promise<number>((resolve) => waiters.set(n, () => resolve(started.get(n)!)));

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateDatabase(db.handle);
    changes = await openChangeFeed(db.handle, logs.logger);
    engine = await startJobEngine(db.handle, logs.logger, { wake: changes });
    await engine.prepare([ping, delayed]);
    await engine.work(
      [
        handle(ping, async ({ n }) => {
          started.set(n, performance.now());
          waiters.get(n)?.();
        }),
        handle(delayed, async () => {
          delayedStarts.push(performance.now());
          await sleep(20);
        }),
      ],
      { concurrency: 2, pollSeconds: POLL_SECONDS },
    );
    // The workers' first fetch happens at start; from here on they sleep for POLL_SECONDS between fetches.
    await sleep(500);
  });
  afterAll(async () => {
    await engine?.stop();
    await changes?.close();
    await db?.drop();
  });

  it('starts each job sent well within the polling interval', async () => {
    const latencies: number[] = [];
    for (let n = 0; n < 5; n++) {
      const sent = performance.now();
      await engine.send(ping, { n });
      latencies.push((await startOf(n)) - sent);
      await sleep(150); // the workers are idle (sleeping out their poll) before the next send
    }
    logs.logger.info({ latencies }, 'wake-up latencies (ms)');
    expect(
      Math.max(...latencies),
      `latencies ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`,
    ).toBeLessThan(BOUND_MS);
  });

  it('wakes workers for a job sent in a transaction only when it commits', async () => {
    let committed = 0;
    await db.handle.db.transaction(async (tx) => {
      await engine.send(ping, { n: 100 }, { within: tx });
      await sleep(300);
      expect(started.has(100)).toBe(false); // not visible, and no wake-up, before the commit
      committed = performance.now();
    });
    expect((await startOf(100)) - committed).toBeLessThan(BOUND_MS);
  });

  it('drains due delayed jobs as fast as the workers run them, not one per worker per poll', async () => {
    // Ten jobs due in a second: no notification wakes anyone, the first poll after that finds one; each worker
    // then looks again as soon as its job is done instead of sleeping out the 5 s poll.
    for (let n = 0; n < 10; n++) await engine.send(delayed, { n }, { startAfterSeconds: 1 });
    const until = performance.now() + 20_000;
    while (delayedStarts.length < 10 && performance.now() < until) await sleep(50);
    expect(delayedStarts).toHaveLength(10);
    const spread = Math.max(...delayedStarts) - Math.min(...delayedStarts);
    // One job per worker per poll would take four more polls (20 s) for ten jobs on two workers.
    expect(spread, `first to last start ${spread.toFixed(0)} ms`).toBeLessThan(1500);
  });
});

/**
 * One job sent wakes one idle slot, not every slot of its queue: each woken slot runs a fetch query, and on PGlite
 * (one connection) eight fetches for one job queued in front of the statements of the runs in flight. Counted on
 * PGlite's statements (the in-process database is where the fan-out cost showed; the PostgreSQL listener is the same
 * engine code, covered by system/wakeup.test.ts).
 */
describe('job wake-up: one slot per job', () => {
  const job = defineJob({
    name: 'test.wake-one',
    payload: z.object({ n: z.number().int() }),
    retry: { limit: 0, delaySeconds: 0, backoff: false },
    expireInSeconds: 30,
  });
  const logs = captureLogs('warn');
  let db: Awaited<ReturnType<typeof openDatabase>>;
  let engine: JobEngine;
  let changes: ChangeFeed;
  const fetches: string[] = [];
  const ran: number[] = [];

  beforeAll(async () => {
    db = await openDatabase({ kind: 'pglite' });
    await migrateDatabase(db);
    if (db.kind !== 'pglite') throw new Error('expected PGlite');
    const pglite = db.pglite;
    // pg-boss runs its statements through query() (with parameters) or exec() (without); a fetch claims the next
    // job of one queue.
    const seen = (text: string) => {
      if (/\bnext AS \(/.test(text) && text.includes(`j.name = '${job.name}'`)) fetches.push(text);
    };
    const query = pglite.query.bind(pglite);
    const exec = pglite.exec.bind(pglite);
    pglite.query = ((text: string, ...rest: unknown[]) => {
      seen(text);
      return (query as (...a: unknown[]) => unknown)(text, ...rest);
    }) as typeof pglite.query;
    pglite.exec = ((text: string, ...rest: unknown[]) => {
      seen(text);
      return (exec as (...a: unknown[]) => unknown)(text, ...rest);
    }) as typeof pglite.exec;
    changes = await openChangeFeed(db, logs.logger);
    engine = await startJobEngine(db, logs.logger, { wake: changes });
    await engine.prepare([job]);
    await engine.work(
      [
        handle(job, async ({ n }) => {
          ran.push(n);
        }),
      ],
      { concurrency: 8, pollSeconds: 5 },
    );
    await sleep(500); // every slot's first fetch, at start
  });
  afterAll(async () => {
    await engine?.stop();
    await changes?.close();
    await db?.close();
  });

  it('runs each job with at most three fetches (the woken slot, the look it asks of another, its own look after)', async () => {
    for (let n = 0; n < 3; n++) {
      fetches.length = 0;
      await engine.send(job, { n });
      const until = performance.now() + 4_000;
      while (!ran.includes(n) && performance.now() < until) await sleep(10);
      expect(ran, 'the job ran well before the next poll').toContain(n);
      await sleep(300); // the looks that follow the job
      expect(fetches.length, `fetch queries for job ${n}`).toBeLessThanOrEqual(3);
      expect(fetches.length).toBeGreaterThanOrEqual(1);
    }
  });
});
