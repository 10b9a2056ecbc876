import { and, eq, inArray, isNotNull, lt, or, isNull } from 'drizzle-orm';
import type { ConnectionMethod } from '@trunkline/contracts';
import type { Executor } from '../platform/db/database.ts';
import { serviceConnections } from '../platform/db/schema.ts';

export type ConnectionRow = typeof serviceConnections.$inferSelect;

/**
 * Connections are reached through their service, whose scope the service layer has checked already; the
 * service id is the key.
 */
export function createConnectionsRepository(db: Executor) {
  return {
    async get(serviceId: string): Promise<ConnectionRow | null> {
      const [row] = await db
        .select()
        .from(serviceConnections)
        .where(eq(serviceConnections.serviceId, serviceId));
      return row ?? null;
    },
    async recordSuccess(
      serviceId: string,
      input: {
        clientId?: string | null;
        clientSecretSealed?: string | null;
        secretExpiresAt?: Date | null;
        method: ConnectionMethod;
        tenantId: string;
        adminUsername: string | null;
        grantedPermissions: string[];
        refreshTokenSealed: string | null;
        tokenExpiresAt: Date;
      },
    ) {
      const now = new Date();
      const values = { ...input, lastSuccessAt: now, lastError: null, lastErrorAt: null, updatedAt: now };
      await db
        .insert(serviceConnections)
        .values({ serviceId, ...values })
        .onConflictDoUpdate({ target: serviceConnections.serviceId, set: values });
    },
    async recordFailure(
      serviceId: string,
      input: { method: ConnectionMethod; adminUsername: string | null; error: string },
    ) {
      const now = new Date();
      await db
        .insert(serviceConnections)
        .values({
          serviceId,
          method: input.method,
          adminUsername: input.adminUsername,
          lastError: input.error,
          lastErrorAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: serviceConnections.serviceId,
          set: { lastError: input.error, lastErrorAt: now, updatedAt: now },
        });
    },
    /** Connections holding a refresh token that was last refreshed before `olderThan`. */
    async dueForRefresh(
      olderThan: Date,
    ): Promise<{ serviceId: string; tenantId: string; method: string; refreshTokenSealed: string }[]> {
      const rows = await db
        .select({
          serviceId: serviceConnections.serviceId,
          tenantId: serviceConnections.tenantId,
          method: serviceConnections.method,
          refreshTokenSealed: serviceConnections.refreshTokenSealed,
        })
        .from(serviceConnections)
        .where(
          and(
            inArray(serviceConnections.method, ['delegated', 'credentials']),
            isNotNull(serviceConnections.refreshTokenSealed),
            isNotNull(serviceConnections.tenantId),
            or(isNull(serviceConnections.lastSuccessAt), lt(serviceConnections.lastSuccessAt, olderThan)),
          ),
        );
      return rows.map((r) => ({ ...r, tenantId: r.tenantId!, refreshTokenSealed: r.refreshTokenSealed! }));
    },
    async recordTeamsRole(serviceId: string, input: { state: 'assigned' | 'missing'; message: string }) {
      const now = new Date();
      await db
        .update(serviceConnections)
        .set({ teamsRoleState: input.state, teamsRoleMessage: input.message, teamsRoleCheckedAt: now })
        .where(eq(serviceConnections.serviceId, serviceId));
    },
    async storeRefreshedToken(
      serviceId: string,
      input: { refreshTokenSealed: string; tokenExpiresAt: Date },
    ) {
      const now = new Date();
      await db
        .update(serviceConnections)
        .set({ ...input, lastSuccessAt: now, lastError: null, lastErrorAt: null, updatedAt: now })
        .where(eq(serviceConnections.serviceId, serviceId));
    },
  };
}
export type ConnectionsRepository = ReturnType<typeof createConnectionsRepository>;
