import { z } from 'zod';
import { defineJob, type JobDefinition } from './job.ts';

/** Deletes expired sessions and old failed sign-ins. Runs hourly. */
export const purgeExpiredAuthJob = defineJob({
  name: 'auth.purge-expired',
  payload: z.object({}),
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 300,
  schedule: { cron: '17 * * * *', payload: {} },
});

/** Every job the application defines; queues are created for each at start. */
export const jobDefinitions: JobDefinition[] = [purgeExpiredAuthJob];
