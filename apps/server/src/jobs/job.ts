import type { z } from 'zod';
import type { Executor } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';

/**
 * A job's contract: its name, the zod schema of its payload and its retry policy. Definitions live apart
 * from their handlers so that producers (API processes) import only the definition.
 */
export type JobDefinition<S extends z.ZodType = z.ZodType> = {
  name: string;
  payload: S;
  retry: { limit: number; delaySeconds: number; backoff: boolean; maxDelaySeconds?: number };
  /** How long one attempt may run before it counts as failed. */
  expireInSeconds: number;
  /** A cron expression (UTC) when the job also runs on a schedule. */
  schedule?: { cron: string; payload: z.input<S> };
  /**
   * pg-boss's queue policy, set when the queue is created: `stately` keeps at most one queued and one active job
   * per singleton key (e.g. one health check per service). Default: `standard`.
   */
  policy?: 'standard' | 'stately';
};

export const defineJob = <S extends z.ZodType>(definition: JobDefinition<S>) => definition;

export type JobContext = { jobId: string; retryCount: number; log: Logger };
export type JobHandler<S extends z.ZodType> = (payload: z.output<S>, ctx: JobContext) => Promise<void>;

export type JobRegistration = { definition: JobDefinition; handler: JobHandler<z.ZodType> };
export const handle = <S extends z.ZodType>(
  definition: JobDefinition<S>,
  handler: JobHandler<S>,
): JobRegistration => ({
  definition: definition as unknown as JobDefinition,
  handler: handler as JobHandler<z.ZodType>,
});

export type SendOptions = {
  startAfterSeconds?: number;
  singletonKey?: string;
  /** With `singletonKey`: at most one job per key within each slot of this many seconds. */
  singletonSeconds?: number;
  /** Jobs of higher priority start before queued ones of lower (default 0). */
  priority?: number;
  /** Enqueue inside this transaction: the job exists only if the transaction commits. */
  within?: Executor;
};

/** The port through which services enqueue work. */
export type JobQueue = {
  send<S extends z.ZodType>(
    definition: JobDefinition<S>,
    payload: z.input<S>,
    options?: SendOptions,
  ): Promise<string | null>;
  /**
   * Which of `values` of the payload field `key` have a job of `definition` queued (waiting to start, delayed or
   * to be retried): work someone will pick up, as opposed to work that is lost.
   */
  queued<S extends z.ZodType>(
    definition: JobDefinition<S>,
    key: string,
    values: string[],
  ): Promise<Set<string>>;
};

/**
 * The job queue of one transaction, as a unit of work hands it out (`uow(async (r) => r.jobs.send(…))`): a job
 * sent through it exists only if the transaction commits, and services never see the transaction itself.
 */
export type TransactionJobQueue = {
  send<S extends z.ZodType>(
    definition: JobDefinition<S>,
    payload: z.input<S>,
    options?: Omit<SendOptions, 'within'>,
  ): Promise<string | null>;
};

/** Binds a job queue to one transaction (pg-boss inserts the job through it). */
export const jobsWithin = (jobs: JobQueue, tx: Executor): TransactionJobQueue => ({
  send: (definition, payload, options = {}) => jobs.send(definition, payload, { ...options, within: tx }),
});
