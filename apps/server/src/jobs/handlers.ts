import type { AuthRepository } from '../auth/auth.repository.ts';
import type { InvitationTokens } from '../invitations/invitation-token.ts';
import type { InvitationsRepository } from '../invitations/invitations.repository.ts';
import type { SettingsRepository } from '../settings/settings.repository.ts';
import { createInvitationSender } from '../invitations/invitations.service.ts';
import type { Mailer } from '../mail/mailer.ts';
import {
  assignTeamsRoleJob,
  confirmConsentJob,
  purgeExpiredAuthJob,
  refreshTokenJob,
  refreshTokensJob,
  sendInvitationJob,
  routingStepJob,
  healthCheckJob,
  healthFanOutJob,
  sbcRangesChangedJob,
  qoeDirectRoutingFanOutJob,
  qoeFetchCallRecordJob,
  qoeLifecycleJob,
  qoePullDirectRoutingJob,
  qoeRetentionJob,
  qoeSweepJob,
  qoeSyncSubscriptionsJob,
} from './definitions.ts';
import type { QoeService } from '../qoe/qoe.service.ts';
import type { SbcStepService } from '../routing/sbc.service.ts';
import type { HealthService } from '../health/health.service.ts';
import type { RoutingRunner } from '../routing/runner.ts';
import type { Logger } from '../platform/logger.ts';
import { systemActor } from '../access/actor.ts';
import type { TeamsRoleService } from '../connections/teams-role.service.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import { REFRESH_AGE_MS } from '../connections/token-refresh.ts';
import { handle, type JobRegistration } from './job.ts';
import { AppError } from '../platform/errors.ts';

/** The handler of every job definition, bound to its dependencies. Only worker processes build these. */
export function createJobHandlers({
  repos,
  mailer,
  tokens,
  connections,
  teamsRole,
  routing,
  health,
  sbcStep,
  qoe,
}: {
  repos: { auth: AuthRepository; invitations: InvitationsRepository; settings: SettingsRepository };
  mailer: Mailer;
  tokens: InvitationTokens;
  connections: Pick<ConnectionsService, 'queueRefreshes' | 'refreshToken' | 'confirmConsent'>;
  teamsRole: TeamsRoleService;
  /** Builds the routing runner with the job's logger. */
  routing: (log: Logger) => RoutingRunner;
  health: Pick<HealthService, 'checkForJob' | 'fanOut'>;
  sbcStep: Pick<SbcStepService, 'rangesChanged'>;
  qoe: QoeService;
}): JobRegistration[] {
  return [
    handle(purgeExpiredAuthJob, async (_payload, { log }) => {
      const now = new Date();
      const purged = await repos.auth.purgeExpired(now, new Date(now.getTime() - 24 * 3600_000));
      log.info(purged, 'purged expired sessions and old failed sign-ins');
    }),
    handle(sendInvitationJob, createInvitationSender({ repos, mailer, tokens })),
    handle(refreshTokensJob, async (_payload, { log }) => {
      // Spread over the hour before the next run, so a day's refreshes never arrive at once.
      const result = await connections.queueRefreshes(new Date(Date.now() - REFRESH_AGE_MS), 3300);
      log.info(result, 'queued the token refreshes');
    }),
    handle(refreshTokenJob, async ({ serviceId, dueBefore }, { log }) => {
      const result = await connections.refreshToken(serviceId, new Date(dueBefore));
      log.info({ serviceId, result }, 'refreshed a delegated token');
    }),
    handle(confirmConsentJob, async ({ serviceId }, { log }) => {
      log.info(
        { serviceId, result: await connections.confirmConsent(serviceId) },
        'confirming an admin consent',
      );
    }),
    handle(assignTeamsRoleJob, async ({ serviceId }, { log }) => {
      // A service deleted meanwhile answers 404: nothing left to do. Transient failures throw and are retried.
      const outcome = await teamsRole.ensure(systemActor('teams-role'), serviceId).catch((e: unknown) => {
        if (e instanceof AppError && e.code === 'not_found') return null;
        throw e;
      });
      // "missing" asks the admin to act: its reason is logged as a warning (shown at LOG_LEVEL=warn, as in the bench).
      if (outcome?.state === 'missing')
        log.warn({ serviceId, reason: outcome.message }, 'the Teams Administrator role is missing');
      else
        log.info(
          { serviceId, state: outcome?.state ?? 'service-gone' },
          'checked the Teams Administrator role',
        );
    }),
    handle(routingStepJob, async ({ workflowId }, { jobId, log }) => {
      const result = await routing(log).run(workflowId, `job:${jobId}`);
      log.info({ workflowId, result }, 'routing run');
    }),
    handle(healthFanOutJob, async (_payload, { log }) => {
      log.info(await health.fanOut(), 'queued the health checks');
    }),
    handle(sbcRangesChangedJob, async ({ serviceId }, { log }) => {
      const result = await sbcStep.rangesChanged(serviceId);
      log.info({ serviceId, result }, 'number ranges changed: the SBC step');
      // Thrown so that the queue tries again later (with backoff), when the open run has finished.
      if (result === 'busy') throw new Error('A run of the service is open: the SBC step re-runs after it.');
    }),
    handle(healthCheckJob, async ({ serviceId }, { log }) => {
      const result = await health.checkForJob(serviceId);
      log.info({ serviceId, overall: result?.overall ?? 'service-gone' }, 'checked the health of a service');
    }),
    handle(qoeSyncSubscriptionsJob, async (_payload, { log }) => {
      log.info(await qoe.syncSubscriptions(), 'synchronised the call-record subscriptions');
    }),
    handle(qoeFetchCallRecordJob, async ({ notificationIds }, { log }) => {
      log.info(await qoe.processNotifications(notificationIds), 'fetched notified call records');
    }),
    handle(qoeLifecycleJob, async ({ subscriptionId, event }, { log }) => {
      const result = await qoe.handleLifecycle(subscriptionId, event);
      log.info({ subscriptionId, event, result }, 'handled a subscription lifecycle event');
    }),
    handle(qoeSweepJob, async (_payload, { log }) => {
      log.info(await qoe.sweep(), 'swept the QoE inbox');
    }),
    handle(qoeDirectRoutingFanOutJob, async (_payload, { log }) => {
      log.info(await qoe.fanOutDirectRouting(), 'queued the Direct Routing log pulls');
    }),
    handle(qoePullDirectRoutingJob, async ({ serviceId }, { log }) => {
      log.info({ serviceId, ...(await qoe.pullDirectRouting(serviceId)) }, 'pulled the Direct Routing log');
    }),
    handle(qoeRetentionJob, async (_payload, { log }) => {
      log.info(await qoe.enforceRetention(), 'QoE retention');
    }),
  ];
}
