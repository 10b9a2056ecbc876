import { and, eq, inArray, isNotNull, lt, ne, or, isNull, sql } from 'drizzle-orm';
import type { ConnectionMethod } from '@trunkline/contracts';
import type { Executor } from '../platform/db/database.ts';
import { serviceConnections, services } from '../platform/db/schema.ts';
import { AppError } from '../platform/errors.ts';

/** Whether an error is the refusal of a tenant that belongs to another customer. */
export const isTenantTaken = (e: unknown): e is AppError =>
  e instanceof AppError && e.errors?.some((f) => f.code === 'tenant_taken') === true;

/** The answer when a tenant is another customer's: it names neither the customer nor the service. */
export const tenantTaken = () =>
  new AppError(
    'conflict',
    'This Microsoft 365 tenant is already connected for another customer on this portal. One tenant belongs to one customer; ask your provider.',
    {
      errors: [
        {
          path: 'tenantId',
          code: 'tenant_taken',
          message: 'This Microsoft 365 tenant is already connected for another customer.',
        },
      ],
    },
  );

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
      // One tenant, one customer: every connection flow writes its tenant here, so this is the one check.
      // The lock (for the transaction) serialises two flows connecting the same tenant at the same time.
      const tenantId = input.tenantId.toLowerCase();
      await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`tenant:${tenantId}`}))`);
      const [other] = await db
        .select({ serviceId: serviceConnections.serviceId })
        .from(serviceConnections)
        .innerJoin(services, eq(services.id, serviceConnections.serviceId))
        .where(
          and(
            sql`lower(${serviceConnections.tenantId}) = ${tenantId}`,
            ne(serviceConnections.serviceId, serviceId),
            sql`${services.customerId} <> (select ${services.customerId} from ${services} where ${services.id} = ${serviceId})`,
          ),
        )
        .limit(1);
      if (other) throw tenantTaken();
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
