import { and, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { LifecycleRepository } from '../lifecycle/lifecycle.repository.ts';
import type { M365SettingsRepository } from '../m365/m365-settings.repository.ts';
import type { Executor } from '../platform/db/database.ts';
import { serviceConnections, sessions, users } from '../platform/db/schema.ts';

/**
 * Sign in with Microsoft lasts only while a service of the tenant grants it: a service being removed (its latest
 * run is an offboarding) or deleted grants nothing.
 */
export async function grantingServices<T extends { serviceId: string }>(
  repos: { lifecycle: LifecycleRepository },
  grants: readonly T[],
): Promise<T[]> {
  const facets = await repos.lifecycle.facetsOf(grants.map((g) => g.serviceId));
  return grants.filter((g) => facets.get(g.serviceId)?.routing?.kind !== 'offboard');
}

/** Sessions of the people who signed in with Microsoft from one tenant (unscoped: the tenant is the key). */
export function createMicrosoftAccessRepository(db: Executor) {
  return {
    async tenantOfService(serviceId: string): Promise<string | null> {
      const [row] = await db
        .select({ tenantId: serviceConnections.tenantId })
        .from(serviceConnections)
        .where(eq(serviceConnections.serviceId, serviceId));
      return row?.tenantId ?? null;
    },
    /** Ends every session of the tenant's Microsoft-identified customer admins; answers how many. */
    async revokeSessionsOfTenant(tenantId: string): Promise<number> {
      const people = db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.entraTenantId, tenantId.toLowerCase()), eq(users.role, 'customer_admin')));
      const rows = await db
        .delete(sessions)
        .where(inArray(sessions.userId, people))
        .returning({ id: sessions.id });
      return rows.length;
    },
  };
}
export type MicrosoftAccessRepository = ReturnType<typeof createMicrosoftAccessRepository>;

/**
 * Called in the transaction that removes or deletes a service: when no other service of the same tenant still
 * grants customer admins access, Sign in with Microsoft ends for that tenant and the sessions it created are
 * revoked (with an audit record). `tenantId` is read before the service row may be gone.
 */
export async function endMicrosoftAccessIfLast(
  r: {
    lifecycle: LifecycleRepository;
    m365Settings: M365SettingsRepository;
    microsoftAccess: MicrosoftAccessRepository;
    audit: AuditRepository;
  },
  actor: Actor,
  input: { serviceId: string; tenantId: string | null; customerId: string; channelId: string | null },
): Promise<void> {
  if (!input.tenantId) return;
  const others = (await r.m365Settings.customerAdminGrantsOfTenant(input.tenantId)).filter(
    (g) => g.serviceId !== input.serviceId,
  );
  if ((await grantingServices(r, others)).length > 0) return;
  const revoked = await r.microsoftAccess.revokeSessionsOfTenant(input.tenantId);
  await recordAudit(r.audit, actor, {
    action: 'auth.microsoft-access-ended',
    targetType: 'service',
    targetId: input.serviceId,
    customerId: input.customerId,
    channelId: input.channelId,
    summary: { tenantId: input.tenantId, sessionsRevoked: revoked },
  });
}
