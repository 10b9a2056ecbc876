import { sql } from 'drizzle-orm';
import { PgBoss, fromDrizzle, fromPglite } from 'pg-boss';
import type { z } from 'zod';
import type { DatabaseHandle } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { JobDefinition, JobQueue, JobRegistration, SendOptions } from './job.ts';

export type JobEngine = JobQueue & {
  /** Creates (or updates) the queue of every definition and its schedule. */
  prepare(definitions: JobDefinition[]): Promise<void>;
  /**
   * Starts consuming; call only in processes that run workers. `concurrency`: jobs of one queue this process runs
   * at once. `pollSeconds`: how often each of those looks for due jobs on its own (default 2). A job that can start
   * now wakes the workers of its queue at once (NOTIFY); polling is what finds delayed jobs, retries and a missed
   * notification.
   */
  work(
    registrations: JobRegistration[],
    options: { concurrency: number; pollSeconds?: number },
  ): Promise<void>;
  ping(): Promise<void>;
  stop(): Promise<void>;
};

const SCHEMA = 'pgboss';
/** How often the slots other than a queue's first look for due jobs on their own (they are woken otherwise). */
const IDLE_SLOT_POLL_SECONDS = 30;

/**
 * pg-boss on the application's database: PGlite through pg-boss's PGlite adapter, or a PostgreSQL pool.
 *
 * Every queue is created with `notify`: pg-boss's insert of a job that can start now runs `pg_notify` in the same
 * statement (so in the sender's transaction when there is one, delivered only if it commits), and
 * `useListenNotify` keeps one LISTEN per process that wakes the queue's idle workers at once. On PostgreSQL that is
 * a dedicated connection (a job sent by any process wakes workers in every process); on PGlite it is the embedded
 * database's own in-process LISTEN. Without a listener (it could not be established) pg-boss polls only.
 */
export async function startJobEngine(handle: DatabaseHandle, log: Logger): Promise<JobEngine> {
  const boss =
    handle.kind === 'pglite'
      ? new PgBoss({
          db: fromPglite(handle.pglite),
          backend: 'pglite',
          schema: SCHEMA,
          useListenNotify: true,
        })
      : new PgBoss({ connectionString: handle.url, schema: SCHEMA, max: 4, useListenNotify: true });
  boss.on('error', (err: unknown) => log.error({ err }, 'job engine error'));
  boss.on('warning', (warning: unknown) => log.warn({ warning }, 'job engine warning'));
  await boss.start();

  return {
    async prepare(definitions) {
      const existing = new Set((await boss.getQueues()).map((q) => q.name));
      for (const d of definitions) {
        const options = {
          retryLimit: d.retry.limit,
          retryDelay: d.retry.delaySeconds,
          retryBackoff: d.retry.backoff,
          ...(d.retry.maxDelaySeconds ? { retryDelayMax: d.retry.maxDelaySeconds } : {}),
          expireInSeconds: d.expireInSeconds,
          // Wake workers the moment a job that can start now is sent (see above).
          notify: true,
        };
        if (existing.has(d.name)) await boss.updateQueue(d.name, options);
        else await boss.createQueue(d.name, { ...options, ...(d.policy ? { policy: d.policy } : {}) });
        if (d.schedule)
          await boss.schedule(d.name, d.schedule.cron, d.schedule.payload as object, { tz: 'UTC' });
      }
    },

    async send<S extends z.ZodType>(
      definition: JobDefinition<S>,
      payload: z.input<S>,
      options: SendOptions = {},
    ) {
      const data = definition.payload.parse(payload) as object;
      return boss.send(definition.name, data, {
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
        ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
        ...(options.singletonSeconds ? { singletonSeconds: options.singletonSeconds } : {}),
        ...(options.priority ? { priority: options.priority } : {}),
        ...(options.within
          ? { db: fromDrizzle(options.within as Parameters<typeof fromDrizzle>[0], sql) }
          : {}),
      });
    },

    async queued(definition, key, values) {
      if (!values.length) return new Set();
      // pg-boss's own notion of queued (its findJobs `queued`: state before active), for many values in one query.
      const { rows } = (await handle.db.execute(
        sql`select distinct data->>${key} as value from ${sql.identifier(SCHEMA)}.job
             where name = ${definition.name} and state < 'active' and data->>${key} in ${values}`,
      )) as unknown as { rows: { value: string }[] };
      return new Set(rows.map((r) => r.value));
    },

    async work(registrations, { concurrency, pollSeconds = 2 }) {
      for (const { definition, handler } of registrations) {
        // One pg-boss worker per slot. A job that can start now wakes them all (NOTIFY). Only the first slot polls
        // every `pollSeconds` (delayed jobs, retries, a missed notification); the others poll rarely. A slot that
        // takes a job wakes the next one, which looks too (there may be more due), and looks again itself the
        // moment its job is done: due jobs drain as fast as the slots run them, at one extra query per job, and
        // an idle queue costs about one query per `pollSeconds`.
        const ids: string[] = [];
        for (let slot = 0; slot < concurrency; slot++) {
          const interval = slot === 0 ? pollSeconds : Math.max(pollSeconds, IDLE_SLOT_POLL_SECONDS);
          // Filled in once pg-boss answers; a job that arrives before that only misses the early look.
          const worker: { id?: string } = {};
          worker.id = await boss.work<object>(
            definition.name,
            {
              batchSize: 1,
              // With the listener: the backstop. Without it (never established): the only way jobs are found.
              notifyPollingIntervalSeconds: interval,
              pollingIntervalSeconds: interval,
            },
            async (jobs) => {
              const next = ids[(slot + 1) % ids.length];
              if (jobs.length && next && next !== worker.id) boss.notifyWorker(next);
              try {
                for (const job of jobs) {
                  const jobLog = log.child({ job: definition.name, jobId: job.id });
                  const payload = definition.payload.parse(job.data);
                  const started = Date.now();
                  try {
                    await handler(payload, {
                      jobId: job.id,
                      retryCount: (job as { retryCount?: number }).retryCount ?? 0,
                      log: jobLog,
                    });
                    jobLog.info({ ms: Date.now() - started }, 'job done');
                  } catch (err) {
                    jobLog.warn({ err, ms: Date.now() - started }, 'job attempt failed');
                    throw err;
                  }
                }
              } finally {
                if (worker.id) boss.notifyWorker(worker.id);
              }
            },
          );
          ids.push(worker.id);
        }
      }
    },

    async ping() {
      await boss.getQueues();
    },

    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
