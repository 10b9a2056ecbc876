import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobEngine, type JobEngine } from '../../src/jobs/engine.ts';
import { defineJob, handle } from '../../src/jobs/job.ts';
import { migrateDatabase } from '../../src/platform/db/database.ts';
import { createTestDatabase } from '../support/database.ts';
import { captureLogs } from '../support/log-capture.ts';

/**
 * A job that can start now wakes an idle worker at once (pg-boss's NOTIFY; PGlite's in-process LISTEN), instead of
 * waiting for the worker's next poll. Polling here is every 5 s, so a start within 400 ms is the wake-up's doing.
 */
describe('job wake-up (NOTIFY on send, polling only as the fallback)', () => {
  const POLL_SECONDS = 5;
  const BOUND_MS = 400;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let engine: JobEngine;
  const logs = captureLogs();
  const ping = defineJob({
    name: 'test.wake',
    payload: z.object({ n: z.number().int() }),
    retry: { limit: 0, delaySeconds: 0, backoff: false },
    expireInSeconds: 30,
  });
  const started = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  const startOf = (n: number) =>
    started.has(n)
      ? Promise.resolve(started.get(n)!)
      : new Promise<number>((resolve) => waiters.set(n, () => resolve(started.get(n)!)));

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateDatabase(db.handle);
    engine = await startJobEngine(db.handle, logs.logger);
    await engine.prepare([ping]);
    await engine.work(
      [
        handle(ping, async ({ n }) => {
          started.set(n, performance.now());
          waiters.get(n)?.();
        }),
      ],
      { concurrency: 2, pollSeconds: POLL_SECONDS },
    );
    // The workers' first fetch happens at start; from here on they sleep for POLL_SECONDS between fetches.
    await sleep(500);
  });
  afterAll(async () => {
    await engine?.stop();
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
});
