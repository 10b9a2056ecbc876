import { createAuditRepository } from '../audit/audit.repository.ts';
import { createAuthRepository } from '../auth/auth.repository.ts';
import { createChannelsRepository } from '../channels/channels.repository.ts';
import { createCustomersRepository } from '../customers/customers.repository.ts';
import type { Executor } from '../platform/db/database.ts';
import { jobsWithin, type JobQueue, type TransactionJobQueue } from '../jobs/job.ts';
import { createUsersRepository } from '../users/users.repository.ts';
import { createInvitationsRepository } from '../invitations/invitations.repository.ts';
import { createServicesRepository } from '../services/services.repository.ts';
import { createSettingsRepository } from '../settings/settings.repository.ts';
import { createConnectionsRepository } from '../connections/connections.repository.ts';
import { createConsentConfirmationsRepository } from '../connections/consent-confirmations.repository.ts';
import { createOAuthStatesRepository } from '../connections/oauth-states.repository.ts';
import { createM365SettingsRepository } from '../m365/m365-settings.repository.ts';
import { createRoutingSettingsRepository } from '../routing/routing-settings.repository.ts';
import { createWorkflowsRepository } from '../routing/workflow.repository.ts';
import { createLifecycleRepository } from '../lifecycle/lifecycle.repository.ts';
import { createMicrosoftAccessRepository } from '../auth/microsoft-access.ts';
import { createSbcAllocationsRepository } from '../sbc/allocations.repository.ts';
import { createHealthRepository } from '../health/health.repository.ts';
import { createSbcsRepository } from '../sbc/sbcs.repository.ts';
import { createSbcTemplatesRepository } from '../sbc/templates.repository.ts';
import { createNumberRangesRepository } from '../number-ranges/number-ranges.repository.ts';
import { createQoeRepository } from '../qoe/qoe.repository.ts';
import { createQoeDashboardRepository } from '../qoe/dashboard.repository.ts';

/** Every repository bound to one executor: the database, or a transaction on it. */
export function createRepositories(db: Executor) {
  return {
    audit: createAuditRepository(db),
    auth: createAuthRepository(db),
    channels: createChannelsRepository(db),
    customers: createCustomersRepository(db),
    users: createUsersRepository(db),
    services: createServicesRepository(db),
    invitations: createInvitationsRepository(db),
    settings: createSettingsRepository(db),
    connections: createConnectionsRepository(db),
    oauthStates: createOAuthStatesRepository(db),
    consentConfirmations: createConsentConfirmationsRepository(db),
    m365Settings: createM365SettingsRepository(db),
    routingSettings: createRoutingSettingsRepository(db),
    workflows: createWorkflowsRepository(db),
    lifecycle: createLifecycleRepository(db),
    microsoftAccess: createMicrosoftAccessRepository(db),
    sbcAllocations: createSbcAllocationsRepository(db),
    health: createHealthRepository(db),
    sbcs: createSbcsRepository(db),
    sbcTemplates: createSbcTemplatesRepository(db),
    numberRanges: createNumberRangesRepository(db),
    qoe: createQoeRepository(db),
    qoeDashboard: createQoeDashboardRepository(db),
  };
}
export type Repositories = ReturnType<typeof createRepositories>;

/** What a unit of work hands out: every repository and the job queue, all bound to its transaction. */
export const createTransactionScope = (jobs: JobQueue) => (tx: Executor) => ({
  ...createRepositories(tx),
  jobs: jobsWithin(jobs, tx),
});
export type TransactionScope = Repositories & { jobs: TransactionJobQueue };
