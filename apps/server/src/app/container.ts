import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { createAuditService } from '../audit/audit.service.ts';
import { createAuthService } from '../auth/auth.service.ts';
import { createChannelsService } from '../channels/channels.service.ts';
import { createCustomersService } from '../customers/customers.service.ts';
import { createInvitationTokens } from '../invitations/invitation-token.ts';
import { createInvitationsService } from '../invitations/invitations.service.ts';
import type { JobQueue } from '../jobs/job.ts';
import { createJobHandlers } from '../jobs/handlers.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { Logger } from '../platform/logger.ts';
import { createRoutingRunner } from '../routing/runner.ts';
import type { Database } from '../platform/db/database.ts';
import { createUnitOfWork } from '../platform/db/unit-of-work.ts';
import { createServicesService } from '../services/services.service.ts';
import { createSettingsService } from '../settings/settings.service.ts';
import { createUsersService } from '../users/users.service.ts';
import { createRepositories, createTransactionScope } from './repositories.ts';
import { createDataKeysRepository } from '../secrets/data-keys.repository.ts';
import { createVault } from '../secrets/vault.ts';
import { createConnectionsService } from '../connections/connections.service.ts';
import { createEntraClient } from '../microsoft/entra.ts';
import { createGraphClient } from '../microsoft/graph.ts';
import { createSharedThrottleGate } from '../microsoft/throttle.ts';
import { createTenantAccess } from '../connections/tenant-access.ts';
import { createTeamsRoleService } from '../connections/teams-role.service.ts';
import { createM365SettingsService } from '../m365/m365-settings.service.ts';
import { createMicrosoftSignInService } from '../auth/microsoft-sign-in.service.ts';
import { createRoutingSettingsService } from '../routing/routing-settings.service.ts';
import { createRoutingService } from '../routing/routing.service.ts';
import type { ChangeFeed } from '../platform/changes/change-feed.ts';
import { createLiveViews } from '../lifecycle/live.ts';
import { createRoutingAdapters } from './routing-adapters.ts';
import { createSbcAdapters } from './sbc-adapters.ts';
import { createSbcStepService, rerunSbcWhenRangesChange } from '../routing/sbc.service.ts';
import { createPublicResolver } from '../health/checks.ts';
import { createHealthService } from '../health/health.service.ts';
import { sendOptions } from '../health/sip-options.ts';
import { fetchCertificate } from '../health/tls-probe.ts';
import { createSbcProvisioner } from '../sbc/provisioners.ts';
import { createSbcsService, type ProvisionerFor } from '../sbc/sbcs.service.ts';
import { createSbcTemplatesService } from '../sbc/sbc-templates.service.ts';
import { createNumberRangesService } from '../number-ranges/number-ranges.service.ts';
import { createQoeService } from '../qoe/qoe.service.ts';
import { createQoeDashboardService } from '../qoe/dashboard.service.ts';

export type ServiceDeps = {
  db: Database;
  jobs: JobQueue;
  masterKey: Buffer;
  /** Committed changes of services' facets (the database's notifications), for the live views. */
  changes: ChangeFeed;
  config: Pick<
    Config,
    | 'session'
    | 'login'
    | 'apiTokens'
    | 'publicUrl'
    | 'invitations'
    | 'microsoft'
    | 'entraAdmins'
    | 'routing'
    | 'health'
    | 'qoe'
  >;
};

/** The composition root of the domain: every service with its dependencies, nothing global. */
export function createServices({ db, jobs, masterKey, config, changes }: ServiceDeps) {
  const repos = createRepositories(db);
  // Repositories and the job queue bound to the transaction: services never pass `tx` around.
  const uow = createUnitOfWork(db, createTransactionScope(jobs));
  const tokens = createInvitationTokens(masterKey, config.publicUrl);
  const invitationTtlDays = config.invitations.ttlDays;
  const vault = createVault({ dataKeys: createDataKeysRepository(db), masterKey });
  const entra = createEntraClient(config.microsoft);
  const entraForApp = (app: { clientId: string; clientSecret: string }) =>
    createEntraClient({ ...config.microsoft, app });
  // One pacing gate per process for Graph and the Teams admin API (microsoft/throttle.ts); what Microsoft tells one
  // process to wait, the others hear over the database's notifications.
  const gate = createSharedThrottleGate(changes);
  const graph = createGraphClient(config.microsoft.graphBaseUrl, { gate });
  const access = createTenantAccess({
    repos,
    entra,
    entraForApp,
    vault,
    providerAppId: config.microsoft.app?.clientId ?? null,
  });
  const connections = createConnectionsService({
    repos,
    uow,
    entra,
    entraForApp,
    graph,
    vault,
    access,
    jobs,
    tokens,
    publicUrl: config.publicUrl,
  });
  const routingSettings = createRoutingSettingsService({
    repos,
    uow,
    vault,
    initial: config.routing.initial,
  });
  const routingAdapters = createRoutingAdapters({
    access,
    graph,
    entraForApp,
    routingSettings,
    config,
    gate,
    sbc: createSbcAdapters({
      repos,
      vault,
      // The service's number ranges, in order.
      ranges: (serviceId) => repos.numberRanges.rangesForService(serviceId),
      // 409 (HA synchronisation) is retried briefly in the request; past that the step is retried by the runner.
      audiocodes: { maxAttempts: 3 },
    }),
  });
  // Settings → SBCs' Test connection only reads the device (AudioCodes status, Kamailio core.version): it renders
  // no template and allocates no index, so asking for indexes is a programming error here.
  const sbcTestProvisioner: ProvisionerFor = (entry) =>
    createSbcProvisioner(entry, {
      templates: () => repos.sbcTemplates.list(),
      reservedIndexes: () => Promise.reject(new Error('Test connection allocates no SBC indexes')),
      audiocodes: { timeoutMs: 10_000, maxAttempts: 1 },
    });
  const routing = createRoutingService({ repos, uow, adapters: routingAdapters });
  const sbcStep = createSbcStepService({ repos, uow, adapters: routingAdapters.sbc });
  const { timeoutMs } = config.health;
  // Read once at start: a missing file stops start-up with its path.
  const healthCa = config.health.caFile ? [readFileSync(config.health.caFile, 'utf8')] : [];
  const built = {
    repos,
    uow,
    tokens,
    routingSettings,
    routingAdapters,
    routing,
    /** Configure SBC: its plan preview and the "SBC only" run. */
    sbcStep,
    /** Encrypts secrets at rest; the connection and routing issues store tokens and credentials through it. */
    vault,
    connections,
    teamsRole: createTeamsRoleService({ repos, uow, access, graph }),
    m365Settings: createM365SettingsService({ repos, uow, access, graph, entraForApp, vault }),
    microsoftSignIn: createMicrosoftSignInService({
      repos,
      uow,
      entra,
      vault,
      publicUrl: config.publicUrl,
      sessionTtlHours: config.session.ttlHours,
      admins: config.entraAdmins,
    }),
    auth: createAuthService({
      repos,
      uow,
      settings: {
        sessionTtlHours: config.session.ttlHours,
        maxFailures: config.login.maxFailures,
        windowMinutes: config.login.windowMinutes,
        apiTokenMaxDays: config.apiTokens.maxDays,
      },
      vault,
    }),
    audit: createAuditService({ repos }),
    channels: createChannelsService({ repos, uow }),
    customers: createCustomersService({ repos, uow }),
    users: createUsersService({ repos, uow }),
    services: createServicesService({ repos, connections, uow, tokens, invitationTtlDays }),
    invitations: createInvitationsService({ repos, uow, tokens, invitationTtlDays }),
    settings: createSettingsService({ repos, uow }),
    health: createHealthService({
      repos,
      uow,
      jobs,
      adapters: routingAdapters,
      routing,
      spreadSeconds: config.health.spreadSeconds,
      probes: {
        resolver: createPublicResolver(config.health.resolvers, timeoutMs),
        certificate: (target) => fetchCertificate(target, timeoutMs, healthCa),
        options: (target) => sendOptions(target, timeoutMs),
        sipPort: config.health.sipPort,
      },
    }),
    /** Settings → SBCs; also `resolveForService` (the SBC of a service, password opened) for the SBC step. */
    sbcs: createSbcsService({ repos, uow, vault, provisionerFor: sbcTestProvisioner }),
    sbcTemplates: createSbcTemplatesService({ repos, uow }),
    /**
     * A service's number ranges. `onRangesChanged` (default: nothing) is where the Configure SBC step hooks its
     * re-run: called in the writing transaction, with its job queue, when ranges were added or removed.
     */
    numberRanges: createNumberRangesService({ repos, uow, onRangesChanged: rerunSbcWhenRangesChange }),
    /** QoE ingest: call-record subscriptions, the Graph webhook's inbox, call records, Direct Routing log. */
    qoe: createQoeService({
      repos,
      uow,
      jobs,
      graph,
      graphBaseUrl: config.microsoft.graphBaseUrl,
      entraForApp,
      vault,
      webhookBaseUrl: config.qoe.webhookBaseUrl,
      retentionDays: config.qoe.retentionDays,
    }),
    /** QoE dashboards: overview, call list and drill-down, per-service last 24 hours (scoped reads). */
    qoeDashboard: createQoeDashboardService({ repos }),
  };
  return { ...built, changes, live: createLiveViews(built) };
}
export type Services = ReturnType<typeof createServices>;

/**
 * What worker processes run, built here too so the composition root is one place: the routing runner (one per
 * job, with the job's logger) and the handler of every job definition.
 */
export function createWorkers(
  services: Services,
  { jobs, mailer, config }: { jobs: JobQueue; mailer: Mailer; config: Pick<Config, 'routing'> },
) {
  const routingRunner = (log: Logger) =>
    createRoutingRunner({
      repos: services.repos,
      uow: services.uow,
      jobs,
      adapters: services.routingAdapters,
      retryBaseSeconds: config.routing.retryBaseSeconds,
      leaseSeconds: config.routing.leaseSeconds,
      log,
    });
  const handlers = createJobHandlers({
    repos: services.repos,
    mailer,
    tokens: services.tokens,
    connections: services.connections,
    teamsRole: services.teamsRole,
    routing: routingRunner,
    health: services.health,
    sbcStep: services.sbcStep,
    qoe: services.qoe,
  });
  return { routingRunner, handlers };
}
