import { sql } from 'drizzle-orm';
import { PgBoss, fromDrizzle, fromPglite } from 'pg-boss';
import type { z } from 'zod';
import type { ChangeFeed } from '../platform/changes/change-feed.ts';
import type { DatabaseHandle } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { JobDefinition, JobQueue, JobRegistration, SendOptions } from './job.ts';

type Slot = { id: string | undefined; busy: boolean };
type Queue = { slots: Slot[]; next: number };

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
/**
 * The channel pg-boss's insert of a job notifies on, with the queue's name as the payload: pg-boss derives it from
 * its schema with this expression (its `notifyChannelSql`, not exported). Resolved once at start; if pg-boss ever
 * derived it differently, no wake would arrive and jobs would start only at the next poll, which
 * `test/jobs/wakeup.test.ts` catches.
 */
const CHANNEL_SQL = sql.raw(`('pgboss_' || left(encode(sha224('${SCHEMA}'::bytea), 'hex'), 24))`);

/** Where the engine hears of jobs sent by any process: the database's notifications (the change feed). */
export type JobWakeBus = Pick<ChangeFeed, 'listen' | 'subscribe'>;

/** How often the slots other than a queue's first look for due jobs on their own (they are woken otherwise). */
const IDLE_SLOT_POLL_SECONDS = 30;

/**
 * pg-boss on the application's database: PGlite through pg-boss's PGlite adapter, or a PostgreSQL pool.
 *
 * Every queue is created with `notify`: pg-boss's insert of a job that can start now runs `pg_notify` in the same
 * statement (so in the sender's transaction when there is one, delivered only if it commits). This engine, not
 * pg-boss, listens (`wake`, the change feed: one LISTEN per process, a dedicated connection on PostgreSQL, the
 * embedded database's own LISTEN on PGlite) and wakes **one** idle slot of the queue per job sent, in turn.
 * pg-boss's own listener would wake every slot of the queue, each running a fetch for the one job: with eight
 * slots on PGlite's single connection that was 8–10 fetch queries per job, queued in front of the statements of
 * the runs in flight. Without `wake` (a process that only sends or prepares) slots poll only.
 */
export async function startJobEngine(
  handle: DatabaseHandle,
  log: Logger,
  options: { wake?: JobWakeBus } = {},
): Promise<JobEngine> {
  const boss =
    handle.kind === 'pglite'
      ? new PgBoss({ db: fromPglite(handle.pglite), backend: 'pglite', schema: SCHEMA })
      : new PgBoss({ connectionString: handle.url, schema: SCHEMA, max: 4 });
  boss.on('error', (err: unknown) => log.error({ err }, 'job engine error'));
  boss.on('warning', (warning: unknown) => log.warn({ warning }, 'job engine warning'));
  await boss.start();

  const { wake } = options;
  const queues = new Map<string, Queue>();
  let listening = false;
  /**
   * Wakes one slot of the queue that is not running a job, taking them in turn so that jobs sent together wake
   * different slots. A slot woken while it fetches looks again at once (pg-boss remembers the wake). When every
   * slot runs a job nobody is woken: each looks again when its job ends.
   */
  const wakeOne = (name: string) => {
    const queue = queues.get(name);
    if (!queue) return;
    const n = queue.slots.length;
    for (let i = 0; i < n; i++) {
      const at = (queue.next + i) % n;
      const slot = queue.slots[at]!;
      if (slot.busy || !slot.id) continue;
      queue.next = (at + 1) % n;
      boss.notifyWorker(slot.id);
      return;
    }
  };

  return {
    async prepare(definitions) {
      const existing = new Set((await boss.getQueues()).map((q) => q.name));
      for (const d of definitions) {
        const queueOptions = {
          retryLimit: d.retry.limit,
          retryDelay: d.retry.delaySeconds,
          retryBackoff: d.retry.backoff,
          ...(d.retry.maxDelaySeconds ? { retryDelayMax: d.retry.maxDelaySeconds } : {}),
          expireInSeconds: d.expireInSeconds,
          // Wake workers the moment a job that can start now is sent (see above).
          notify: true,
        };
        if (existing.has(d.name)) await boss.updateQueue(d.name, queueOptions);
        else await boss.createQueue(d.name, { ...queueOptions, ...(d.policy ? { policy: d.policy } : {}) });
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
        // One pg-boss worker per slot. A job sent that can start now wakes one idle slot (`wakeOne`). Only the
        // first slot polls every `pollSeconds` (delayed jobs, retries, a missed notification); the others poll
        // rarely. A slot that takes a job wakes another idle one, which looks too (there may be more due), and
        // looks again itself the moment its job is done: due jobs drain as fast as the slots run them, at one
        // extra query per job, and an idle queue costs about one query per `pollSeconds`.
        const queue: Queue = { slots: [], next: 0 };
        queues.set(definition.name, queue);
        for (let index = 0; index < concurrency; index++) {
          const interval = index === 0 ? pollSeconds : Math.max(pollSeconds, IDLE_SLOT_POLL_SECONDS);
          // The id is filled in once pg-boss answers; a job that arrives before that only misses the early look.
          const slot: Slot = { id: undefined, busy: false };
          queue.slots.push(slot);
          slot.id = await boss.work<object>(
            definition.name,
            { batchSize: 1, pollingIntervalSeconds: interval },
            async (jobs) => {
              slot.busy = true;
              if (jobs.length) wakeOne(definition.name);
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
                slot.busy = false;
                if (slot.id) boss.notifyWorker(slot.id);
              }
            },
          );
        }
      }
      if (wake && !listening) {
        listening = true;
        const { rows } = (await handle.db.execute(sql`select ${CHANNEL_SQL} as channel`)) as unknown as {
          rows: { channel: string }[];
        };
        await wake.listen(rows[0]!.channel, wakeOne);
        // The listening connection was re-established (PostgreSQL): notifications may have been missed.
        wake.subscribe((change) => {
          if (change === null) for (const name of queues.keys()) wakeOne(name);
        });
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
