import { TEAMS_ADMINISTRATOR_ROLE } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { ConnectionsRepository } from './connections.repository.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { EntraError } from '../microsoft/entra.ts';
import { GraphError, type GraphClient } from '../microsoft/graph.ts';
import { notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { TEAMS_ADMIN_RESOURCE, type ConnectedRow, type TenantAccess } from './tenant-access.ts';

type Deps = {
  repos: { services: ServicesRepository };
  uow: UnitOfWork<{ audit: AuditRepository; connections: ConnectionsRepository }>;
  access: TenantAccess;
  graph: GraphClient;
};

export type TeamsRoleOutcome = { state: 'assigned' | 'missing'; message: string };

/** A failure worth retrying later (Microsoft unreachable or throttled), as opposed to a refusal. */
export class TransientMicrosoftError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientMicrosoftError';
  }
}

/** Graph refused the access token itself (revoked, or lapsed early): a new token is worth a try, not a verdict. */
const tokenRefused = (e: unknown) => e instanceof GraphError && e.status === 401;

/**
 * Worth retrying, not a verdict on the role: Microsoft unreachable, failing or throttling; the access token refused
 * (401); or the token service not knowing the app's service principal in the tenant yet (AADSTS700016: a consent
 * still replicating; the connection itself shows the app is consented there). Such a check stays "unknown".
 */
const transient = (e: unknown) =>
  (e instanceof EntraError && (e.kind === 'unavailable' || e.aadsts === 'AADSTS700016')) ||
  (e instanceof GraphError && (e.status >= 500 || e.status === 429)) ||
  tokenRefused(e);

/**
 * The role for the automation: Direct Routing objects need the automation's service principal to hold Teams
 * Administrator in the customer tenant. Checked with an app-only token for the Teams admin API, whose `wids`
 * carry the service principal's directory roles. Where the admin's delegated token was kept, Trunkline assigns
 * the role itself through Graph; otherwise (or where Microsoft refuses) the admin gets the exact steps, and a
 * re-check picks the role up.
 */
export function createTeamsRoleService({ repos, uow, access, graph }: Deps) {
  const { name: roleName, templateId } = TEAMS_ADMINISTRATOR_ROLE;

  const manualSteps = (appId: string, why: string) =>
    `${why} Ask a Global Administrator or Privileged Role Administrator of the tenant to do this once: ` +
    `sign in to the Microsoft Entra admin center (entra.microsoft.com) → Identity → Roles & admins → ` +
    `"${roleName}" → Add assignments → select the enterprise application with application ID ${appId} → ` +
    `Assign. Then press "Re-check role".`;

  /**
   * The app's own view of itself in the tenant: an app-only token for the Teams admin API carries the service
   * principal's directory roles (`wids`) and its object id (`oid`).
   */
  async function servicePrincipal(row: ConnectedRow) {
    // A new token: the role may have been assigned since the last one (it shows in `wids` only then).
    const token = await access.appToken(row, TEAMS_ADMIN_RESOURCE, { fresh: true });
    return { holdsRole: token.directoryRoles.includes(templateId), principalId: token.objectId };
  }

  /** Assigns the role with the admin's delegated token; null when there is no delegated token. */
  async function assignWithDelegatedToken(
    row: ConnectedRow,
    appId: string,
    knownPrincipalId: string | null,
  ): Promise<TeamsRoleOutcome | null> {
    const token = await access.delegatedToken(row);
    if (!token) return null;
    let principalId: string;
    try {
      principalId =
        knownPrincipalId ??
        (
          await graph.request<{ id: string }>(
            token.accessToken,
            'GET',
            `/servicePrincipals(appId='${encodeURIComponent(appId)}')`,
          )
        ).id;
    } catch (e) {
      if (transient(e)) throw e;
      const why =
        e instanceof GraphError && e.status === 404
          ? 'The app has no service principal in the tenant yet.'
          : `Microsoft refused to look up the app: ${(e as Error).message}`;
      return { state: 'missing', message: manualSteps(appId, why) };
    }
    try {
      await graph.request(token.accessToken, 'POST', '/roleManagement/directory/roleAssignments', {
        '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
        principalId,
        roleDefinitionId: templateId,
        directoryScopeId: '/',
      });
    } catch (e) {
      if (transient(e)) throw e;
      const conflict = e instanceof GraphError && /conflicting object/i.test(e.message);
      if (!conflict) {
        const why =
          e instanceof GraphError && e.status === 403
            ? `The signed-in admin may not assign directory roles (Microsoft: ${e.message}).`
            : `Microsoft refused the role assignment: ${(e as Error).message}`;
        return { state: 'missing', message: manualSteps(appId, why) };
      }
    }
    return {
      state: 'assigned',
      message: `${roleName} assigned to the app ${appId} with the admin's sign-in${row.adminUsername ? ` (${row.adminUsername})` : ''}.`,
    };
  }

  async function record(row: ConnectedRow, actor: Actor, outcome: TeamsRoleOutcome, customerId: string) {
    const before = row.teamsRoleState;
    await uow(async (r) => {
      await r.connections.recordTeamsRole(row.serviceId, outcome);
      if (before !== outcome.state)
        await recordAudit(r.audit, actor, {
          action: 'connection.teams-role',
          targetType: 'service',
          targetId: row.serviceId,
          customerId,
          outcome: outcome.state === 'assigned' ? 'success' : 'failure',
          summary: { state: outcome.state, role: roleName },
        });
    });
  }

  return {
    /**
     * Makes sure the role is there: check, else assign with the delegated token, else record the steps.
     * Throws TransientMicrosoftError when Microsoft could not be reached, so that a job retries.
     */
    async ensure(actor: Actor, serviceId: string): Promise<TeamsRoleOutcome> {
      const service = await repos.services.get(scopeOf(actor), serviceId);
      if (!service) throw notFound('Service');
      const row = await access.connected(serviceId);
      const appId = access.appIdOf(row);
      let outcome: TeamsRoleOutcome;
      try {
        const sp = await servicePrincipal(row);
        if (sp.holdsRole) {
          outcome = {
            state: 'assigned',
            message: `The app ${appId} holds ${roleName} in the tenant.`,
          };
        } else {
          outcome =
            (await assignWithDelegatedToken(row, appId, sp.principalId)) ??
            ({
              state: 'missing',
              message: manualSteps(
                appId,
                `The app ${appId} does not hold ${roleName} in the tenant, and no admin sign-in is kept to assign it.`,
              ),
            } as const);
        }
      } catch (e) {
        // The next attempt asks Entra for new tokens instead of reusing the refused one.
        if (tokenRefused(e)) access.forgetTokens(row.tenantId);
        if (transient(e))
          throw new TransientMicrosoftError(`Microsoft could not be reached: ${(e as Error).message}`, {
            cause: e,
          });
        if (!(e instanceof EntraError || e instanceof GraphError)) throw e;
        outcome = {
          state: 'missing',
          message: manualSteps(appId, `Checking the role failed: ${e.message}`),
        };
      }
      await record(row, actor, outcome, service.customerId);
      return outcome;
    },
  };
}
export type TeamsRoleService = ReturnType<typeof createTeamsRoleService>;
