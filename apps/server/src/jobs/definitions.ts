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

/** Sends (or re-sends) an invitation e-mail; a mail server that is down is retried with backoff. */
export const sendInvitationJob = defineJob({
  name: 'invitation.send',
  payload: z.object({ invitationId: z.uuid() }),
  retry: { limit: 8, delaySeconds: 2, backoff: true, maxDelaySeconds: 600 },
  expireInSeconds: 120,
});

/** Every job the application defines; queues are created for each at start. */
export const jobDefinitions: JobDefinition[] = [purgeExpiredAuthJob, sendInvitationJob];
