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

/**
 * The token refresh's scheduler: sends one `connection.refresh-token` job per connection whose token is a day
 * old, spread over the next hour. Runs hourly; one query and one insert per due connection.
 */
export const refreshTokensJob = defineJob({
  name: 'connection.refresh-tokens',
  payload: z.object({}),
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 600,
  schedule: { cron: '41 * * * *', payload: {} },
});

/** Refreshes one connection's delegated refresh token (they rotate) long before it lapses; a failure is recorded. */
export const refreshTokenJob = defineJob({
  name: 'connection.refresh-token',
  /** `dueBefore`: the scheduler's cut-off; a connection refreshed since (a duplicate job) is left alone. */
  payload: z.object({ serviceId: z.uuid(), dueBefore: z.iso.datetime() }),
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 120,
});

/**
 * Makes sure the automation's service principal holds Teams Administrator in a newly connected tenant
 * (assigning it with the admin's delegated token where one is kept). Retried while Microsoft is unreachable.
 */
export const assignTeamsRoleJob = defineJob({
  name: 'connection.teams-role',
  payload: z.object({ serviceId: z.uuid() }),
  retry: { limit: 6, delaySeconds: 10, backoff: true, maxDelaySeconds: 900 },
  expireInSeconds: 120,
});

/**
 * Confirms an admin consent that Microsoft did not confirm at once (a freshly consented app's service principal
 * replicates: AADSTS700016, Graph 401/403/404): one attempt per job, the next one sent as a delayed job until the
 * confirmation's deadline. Retried only if the attempt itself crashed.
 */
export const confirmConsentJob = defineJob({
  name: 'connection.confirm-consent',
  payload: z.object({ serviceId: z.uuid() }),
  retry: { limit: 3, delaySeconds: 5, backoff: true, maxDelaySeconds: 60 },
  expireInSeconds: 120,
});

/**
 * Runs the steps of one routing workflow (onboarding or offboarding) until it finishes, waits or fails; a waiting
 * step sends the next attempt as a delayed job. A crashed attempt is retried; the workflow's lease keeps two
 * workers off one service.
 */
export const routingStepJob = defineJob({
  name: 'routing.run',
  payload: z.object({ workflowId: z.uuid() }),
  retry: { limit: 5, delaySeconds: 5, backoff: true, maxDelaySeconds: 300 },
  expireInSeconds: 600,
});

/**
 * Checks one service's health (DNS, certificate, SBC rows, tenant, SIP OPTIONS) and keeps the result. The queue
 * holds at most one waiting job per singleton key (`scheduled:<service>`, `run:<service>`).
 */
export const healthCheckJob = defineJob({
  name: 'health.check',
  payload: z.object({ serviceId: z.uuid() }),
  retry: { limit: 2, delaySeconds: 30, backoff: true },
  expireInSeconds: 180,
  policy: 'stately',
});

/** Sends one `health.check` job per onboarded service, spread with jitter. Runs every half hour. */
export const healthFanOutJob = defineJob({
  name: 'health.fan-out',
  payload: z.object({}),
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 300,
  schedule: { cron: '7,37 * * * *', payload: {} },
});

/**
 * A service's number ranges changed: re-runs its Configure SBC step ("SBC only") when the customer's rows are on
 * the SBC. While another run of the service is open the job fails and is retried later.
 */
export const sbcRangesChangedJob = defineJob({
  name: 'sbc.ranges-changed',
  payload: z.object({ serviceId: z.uuid() }),
  retry: { limit: 12, delaySeconds: 5, backoff: true, maxDelaySeconds: 600 },
  expireInSeconds: 120,
});

/**
 * QoE (issue #15): creates, renews, recreates and deletes the call-record subscriptions. Every 15 minutes, and
 * when a service's Notification Service app is set or cleared; one at a time (`stately`).
 */
export const qoeSyncSubscriptionsJob = defineJob({
  name: 'qoe.sync-subscriptions',
  payload: z.object({}),
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 600,
  schedule: { cron: '*/15 * * * *', payload: {} },
  policy: 'stately',
});

/**
 * QoE: fetches the notified call records (inbox rows, batched by the webhook) and stores them; Graph's
 * Retry-After sends the rest again as a delayed job.
 */
export const qoeFetchCallRecordJob = defineJob({
  name: 'qoe.fetch-call-records',
  payload: z.object({ notificationIds: z.array(z.uuid()).min(1).max(500) }),
  retry: { limit: 5, delaySeconds: 30, backoff: true, maxDelaySeconds: 1800 },
  expireInSeconds: 300,
});

/** QoE: reacts to a lifecycle notification (reauthorize, or recreate). */
export const qoeLifecycleJob = defineJob({
  name: 'qoe.lifecycle',
  payload: z.object({ subscriptionId: z.uuid(), event: z.string().max(64) }),
  retry: { limit: 5, delaySeconds: 30, backoff: true, maxDelaySeconds: 900 },
  expireInSeconds: 120,
});

/** QoE: re-sends fetch jobs for inbox rows left unprocessed. Every 10 minutes. */
export const qoeSweepJob = defineJob({
  name: 'qoe.sweep',
  payload: z.object({}),
  retry: { limit: 1, delaySeconds: 60, backoff: false },
  expireInSeconds: 300,
  schedule: { cron: '*/10 * * * *', payload: {} },
});

/** QoE: one Direct Routing log pull per service. Every 15 minutes. */
export const qoeDirectRoutingFanOutJob = defineJob({
  name: 'qoe.direct-routing-fan-out',
  payload: z.object({}),
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 300,
  schedule: { cron: '5,20,35,50 * * * *', payload: {} },
});

/** QoE: pulls getDirectRoutingCalls for one service (one queued per service). */
export const qoePullDirectRoutingJob = defineJob({
  name: 'qoe.pull-direct-routing',
  payload: z.object({ serviceId: z.uuid() }),
  retry: { limit: 3, delaySeconds: 60, backoff: true, maxDelaySeconds: 900 },
  expireInSeconds: 600,
  policy: 'stately',
});

/** QoE: deletes calls, streams and Direct Routing rows past QOE_RETENTION_DAYS. Daily. */
export const qoeRetentionJob = defineJob({
  name: 'qoe.retention',
  payload: z.object({}),
  retry: { limit: 2, delaySeconds: 300, backoff: true },
  expireInSeconds: 1800,
  schedule: { cron: '23 3 * * *', payload: {} },
});

/** Every job the application defines; queues are created for each at start. */
export const jobDefinitions: JobDefinition[] = [
  confirmConsentJob,
  purgeExpiredAuthJob,
  sendInvitationJob,
  refreshTokensJob,
  refreshTokenJob,
  assignTeamsRoleJob,
  routingStepJob,
  healthCheckJob,
  healthFanOutJob,
  sbcRangesChangedJob,
  qoeSyncSubscriptionsJob,
  qoeFetchCallRecordJob,
  qoeLifecycleJob,
  qoeSweepJob,
  qoeDirectRoutingFanOutJob,
  qoePullDirectRoutingJob,
  qoeRetentionJob,
];
