import type { ConnectionAttempt } from '@trunkline/contracts';
import { scopeOf, type Actor } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { assignTeamsRoleJob } from '../jobs/definitions.ts';
import type { TransactionJobQueue } from '../jobs/job.ts';
import { EntraError, type EntraClient } from '../microsoft/entra.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import { notFound } from '../platform/errors.ts';
import type { Vault } from '../secrets/vault.ts';
import type { ServicesRepository } from '../services/services.repository.ts';
import { PRE_CONNECTION } from '../services/services.service.ts';
import type { ConnectionsRepository } from './connections.repository.ts';
import { guidance } from './guidance.ts';
import { refreshTokenContext } from './tenant-access.ts';

/** Attempts of the password grant when Microsoft cannot be reached (the password is not kept for a later try). */
const GRANT_ATTEMPTS = 3;
const GRANT_RETRY_MS = [300, 1000];

/**
 * The credentials path: one password grant, with the password held only for this call. A transport failure (or
 * Entra's "temporarily unavailable") is tried again twice within the request, since the password cannot be kept
 * for a later attempt; a grant is safe to repeat (an unused token simply lapses). On success the service
 * is connected and the refresh token is kept, sealed; on failure the operator learns why and what to do
 * instead. The password is discarded either way.
 */
export function createCredentialsFlow({
  repos,
  uow,
  entra,
  vault,
}: {
  repos: { services: ServicesRepository };
  uow: UnitOfWork<{
    connections: ConnectionsRepository;
    services: ServicesRepository;
    audit: AuditRepository;
    jobs: TransactionJobQueue;
  }>;
  entra: EntraClient;
  vault: Vault;
}) {
  return {
    async connectWithPassword(
      actor: Actor,
      serviceId: string,
      username: string,
      password: string,
    ): Promise<ConnectionAttempt> {
      const grant = async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await entra.passwordGrant(domain, username, password);
          } catch (e) {
            if (!(e instanceof EntraError && e.kind === 'unavailable' && attempt < GRANT_ATTEMPTS)) throw e;
            await new Promise((r) => setTimeout(r, GRANT_RETRY_MS[attempt - 1]));
          }
        }
      };
      const service = await repos.services.get(scopeOf(actor), serviceId);
      if (!service) throw notFound('Service');
      const domain = username.split('@')[1] ?? username;
      try {
        const token = await grant();
        const sealed = token.refreshToken
          ? await vault.seal(token.refreshToken, refreshTokenContext(serviceId))
          : null;
        await uow(async (r) => {
          await r.jobs.send(assignTeamsRoleJob, { serviceId });
          await r.connections.recordSuccess(serviceId, {
            method: 'credentials',
            tenantId: token.tenantId,
            adminUsername: token.username ?? username,
            grantedPermissions: token.scopes,
            refreshTokenSealed: sealed,
            tokenExpiresAt: token.expiresAt,
          });
          if (PRE_CONNECTION.has(service.status))
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
  };
}
