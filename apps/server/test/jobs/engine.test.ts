import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobEngine, type JobEngine } from '../../src/jobs/engine.ts';
import { defineJob, handle } from '../../src/jobs/job.ts';
import { migrateDatabase, queryRows } from '../../src/platform/db/database.ts';
import { createTestDatabase } from '../support/database.ts';
import { eventually } from '../support/eventually.ts';
import { captureLogs } from '../support/log-capture.ts';

describe('job engine (pg-boss on the application database)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let engine: JobEngine;
  const logs = captureLogs();

  const echo = defineJob({
    name: 'test.echo',
    payload: z.object({ n: z.number().int() }),
    retry: { limit: 0, delaySeconds: 0, backoff: false },
    expireInSeconds: 30,
  });
  const flaky = defineJob({
    name: 'test.flaky',
    payload: z.object({ key: z.string() }),
    retry: { limit: 3, delaySeconds: 1, backoff: false },
    expireInSeconds: 30,
  });

  const seen: number[] = [];
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateDatabase(db.handle);
    engine = await startJobEngine(db.handle, logs.logger);
    await engine.prepare([echo, flaky]);
    await engine.work(
      [
        handle(echo, async ({ n }) => {
          seen.push(n);
        }),
        handle(flaky, async ({ key }, { retryCount }) => {
          attempts.set(key, (attempts.get(key) ?? 0) + 1);
          if (retryCount < 2) throw new Error(`transient failure ${retryCount}`);
        }),
      ],
      { concurrency: 2 },
    );
  });
  afterAll(async () => {
    await engine?.stop();
    await db?.drop();
  });

  it('runs every job sent, once', async () => {
    for (let n = 0; n < 20; n++) await engine.send(echo, { n });
    // Wait for pg-boss to record every job as completed: a completed job is never handed out again, so the
    // handler calls seen by then are all there will be.
    await eventually('every echo job to complete', async () => {
      const [row] = await queryRows<{ n: number }>(
        db.handle.db,
        sql`select count(*)::int as n from pgboss.job where name = ${echo.name} and state = 'completed'`,
      );
      return row!.n === 20;
    });
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('retries a failing job by its definition until it succeeds', async () => {
    const id = await engine.send(flaky, { key: 'k1' });
    await eventually('the flaky job to complete', async () => {
      const [row] = await queryRows<{ state: string }>(
        db.handle.db,
        sql`select state from pgboss.job where id = ${id}`,
      );
      return row?.state === 'completed';
    });
    expect(attempts.get('k1')).toBe(3);
    expect(logs.text()).toContain('transient failure 0');
  });

  it('refuses a payload that does not match the definition before it reaches the queue', async () => {
    await expect(engine.send(echo, { n: 'x' } as never)).rejects.toThrow();
  });

  it('answers readiness pings', async () => {
    await expect(engine.ping()).resolves.toBeUndefined();
  });
});
