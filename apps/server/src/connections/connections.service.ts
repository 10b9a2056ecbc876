import type { ConnectionStatus } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { InvitationTokens } from '../invitations/invitation-token.ts';
import type { JobQueue } from '../jobs/job.ts';
import type { EntraClient } from '../microsoft/entra.ts';
import type { GraphClient } from '../microsoft/graph.ts';
import { notFound } from '../platform/errors.ts';
import type { Vault } from '../secrets/vault.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import { createAdminConsentFlow } from './admin-consent.flow.ts';
import type { ConnectionsRepository } from './connections.repository.ts';
import { createCredentialsFlow } from './credentials.flow.ts';
import { createDelegatedFlow } from './delegated.flow.ts';
import { createInvitationFlow, type InvitationFlowDeps } from './invitation-flow.ts';
import { createOwnAppFlow } from './own-app.flow.ts';
import type { TenantAccess } from './tenant-access.ts';
import { createTokenRefresh } from './token-refresh.ts';

type Deps = {
  repos: InvitationFlowDeps['repos'] & { services: ServicesRepository; connections: ConnectionsRepository };
  /** The invitation flows' transaction covers the credentials path's too. */
  uow: InvitationFlowDeps['uow'];
  entra: EntraClient;
  /** The same adapter for another app registration: the customer's own. */
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient;
  graph: GraphClient;
  vault: Vault;
  /** Rotating the admin's refresh token, one exchange at a time per connection. */
  access: Pick<TenantAccess, 'rotate'>;
  /** For the token refresh's one job per connection. */
  jobs: JobQueue;
  tokens: InvitationTokens;
  publicUrl: string;
  now?: () => Date;
};

/**
 * The ways a service gets connected to its Microsoft tenant, one module per flow: the credentials path
 * (`credentials.flow.ts`), admin consent (`admin-consent.flow.ts`), the customer's own app (`own-app.flow.ts`)
 * and the delegated token (`delegated.flow.ts`, refreshed by `token-refresh.ts`). All end in one
 * `service_connections` row; the ones that start from an invitation share `invitation-flow.ts`.
 */
export function createConnectionsService({
  repos,
  uow,
  entra,
  entraForApp,
  graph,
  vault,
  access,
  jobs,
  tokens,
  publicUrl,
  now = () => new Date(),
}: Deps) {
  const flow = createInvitationFlow({ repos, uow, tokens, publicUrl, now });
  return {
    ...createCredentialsFlow({ repos, uow, entra, vault }),
    ...createAdminConsentFlow({ repos, flow, entra, graph, publicUrl, uow, now }),
    ...createOwnAppFlow({ flow, entraForApp, graph, vault }),
    ...createDelegatedFlow({ repos, flow, entra, vault, publicUrl }),
    ...createTokenRefresh({ repos, access, jobs }),

    async status(actor: Actor, serviceId: string): Promise<ConnectionStatus> {
      const service = await repos.services.get(scopeOf(actor), serviceId);
      if (!service) throw notFound('Service');
      const row = await repos.connections.get(serviceId);
      const confirming = await repos.consentConfirmations.get(serviceId);
      const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
      return {
        serviceId,
        // Connected once a token was obtained; a later error shows in lastError without undoing that. A consent
        // Microsoft has not confirmed yet (its new service principal replicating) is being confirmed.
        state: confirming
          ? 'confirming'
          : !row
            ? 'not-connected'
            : row.lastSuccessAt
              ? 'connected'
              : 'failed',
        ...(confirming
          ? {
              confirmation: {
                tenantId: confirming.tenantId,
                startedAt: confirming.startedAt,
                deadline: confirming.deadline,
                attempts: confirming.attempts,
                lastError: confirming.lastError,
              },
            }
          : {}),
        method: (row?.method as ConnectionStatus['method']) ?? null,
        tenantId: row?.tenantId ?? null,
        adminUsername: row?.adminUsername ?? null,
        grantedPermissions: row?.grantedPermissions ?? [],
        clientId: row?.clientId ?? null,
        secretExpiresAt: iso(row?.secretExpiresAt),
        tokenExpiresAt: iso(row?.tokenExpiresAt),
        lastSuccessAt: iso(row?.lastSuccessAt),
        lastError: row?.lastError ?? null,
        lastErrorAt: iso(row?.lastErrorAt),
        teamsRole: {
          state: (row?.teamsRoleState as ConnectionStatus['teamsRole']['state'] | undefined) ?? 'unknown',
          message: row?.teamsRoleMessage ?? null,
          checkedAt: iso(row?.teamsRoleCheckedAt),
        },
      };
    },
  };
}
export type ConnectionsService = ReturnType<typeof createConnectionsService>;
