import type { ConnectionAttempt, ConnectionStatus } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import type { Repositories } from '../app/repositories.ts';
import { recordAudit } from '../audit/audit.ts';
import { EntraError, type EntraClient, type EntraErrorKind } from '../microsoft/entra.ts';
import { notFound } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import type { Vault } from '../secrets/vault.ts';

/** What to tell the operator for each way a password sign-in can fail, with the way forward. */
const guidance: Record<EntraErrorKind, string> = {
  mfa_required:
    'The admin account must use multi-factor authentication, which a password sign-in cannot do. Send the invitation link to the IT administrator, or let them sign in interactively (Delegated Token).',
  invalid_credentials:
    'Microsoft rejected the username or password. Check them and try again, or send the invitation link to the IT administrator.',
  federated:
    'The account signs in through a federated identity provider, so its password cannot be used here. Send the invitation link to the IT administrator.',
  consent_required:
    "The provider's app is not yet consented in this tenant, and a password sign-in cannot grant consent. Send the invitation link so that an administrator consents.",
  unknown_tenant:
    "Microsoft knows no tenant for the domain of this username. Check the username (it must be the admin's UPN).",
  not_configured:
    'Microsoft 365 is not configured on this Trunkline (ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET). Ask the provider admin.',
  unavailable: 'Microsoft Entra ID could not be reached. Try again shortly.',
  rejected: 'Microsoft refused the sign-in.',
};

export const refreshTokenContext = (serviceId: string) => ({
  table: 'service_connections',
  rowId: serviceId,
  purpose: 'refresh-token',
});

type Deps = { repos: Repositories; uow: UnitOfWork<Repositories>; entra: EntraClient; vault: Vault };

export function createConnectionsService({ repos, uow, entra, vault }: Deps) {
  return {
    /**
     * The credentials path: one password grant, with the password held only for this call. On success the
     * service is connected and the refresh token is kept, sealed; on failure the operator learns why and
     * what to do instead. The password is discarded either way.
     */
    async connectWithPassword(
      actor: Actor,
      serviceId: string,
      username: string,
      password: string,
    ): Promise<ConnectionAttempt> {
      const service = await repos.services.get(scopeOf(actor), serviceId);
      if (!service) throw notFound('Service');
      const domain = username.split('@')[1] ?? username;
      try {
        const token = await entra.passwordGrant(domain, username, password);
        const sealed = token.refreshToken
          ? await vault.seal(token.refreshToken, refreshTokenContext(serviceId))
          : null;
        await uow(async (r) => {
          await r.connections.recordSuccess(serviceId, {
            method: 'credentials',
            tenantId: token.tenantId,
            adminUsername: token.username ?? username,
            grantedPermissions: token.scopes,
            refreshTokenSealed: sealed,
            tokenExpiresAt: token.expiresAt,
          });
          await r.services.update(scopeOf(actor), serviceId, { status: 'connected' });
          await recordAudit(r.audit, actor, {
            action: 'connection.establish',
            targetType: 'service',
            targetId: serviceId,
            customerId: service.customerId,
            summary: { method: 'credentials', tenantId: token.tenantId, username },
          });
        });
        return {
          state: 'connected',
          reason: null,
          message: `Connected to tenant ${token.tenantId} as ${token.username ?? username}.`,
        };
      } catch (e) {
        if (!(e instanceof EntraError)) throw e;
        const message = `${guidance[e.kind]}${e.aadsts ? ` (Microsoft: ${e.aadsts})` : ''}`;
        await uow(async (r) => {
          await r.connections.recordFailure(serviceId, {
            method: 'credentials',
            adminUsername: username,
            error: message,
          });
          await recordAudit(r.audit, actor, {
            action: 'connection.establish',
            targetType: 'service',
            targetId: serviceId,
            customerId: service.customerId,
            outcome: 'failure',
            summary: { method: 'credentials', username, reason: e.kind, aadsts: e.aadsts },
          });
        });
        return { state: 'failed', reason: e.kind, message };
      }
    },

    async status(actor: Actor, serviceId: string): Promise<ConnectionStatus> {
      const service = await repos.services.get(scopeOf(actor), serviceId);
      if (!service) throw notFound('Service');
      const row = await repos.connections.get(serviceId);
      const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
      return {
        serviceId,
        // Connected once a token was obtained; a later error shows in lastError without undoing that.
        state: !row ? 'not-connected' : row.lastSuccessAt ? 'connected' : 'failed',
        method: (row?.method as ConnectionStatus['method']) ?? null,
        tenantId: row?.tenantId ?? null,
        adminUsername: row?.adminUsername ?? null,
        grantedPermissions: row?.grantedPermissions ?? [],
        tokenExpiresAt: iso(row?.tokenExpiresAt),
        lastSuccessAt: iso(row?.lastSuccessAt),
        lastError: row?.lastError ?? null,
        lastErrorAt: iso(row?.lastErrorAt),
      };
    },
  };
}
export type ConnectionsService = ReturnType<typeof createConnectionsService>;
