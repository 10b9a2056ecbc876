import { and, eq } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { customers, serviceConnections, serviceM365Settings, services } from '../platform/db/schema.ts';

export type M365SettingsRow = typeof serviceM365Settings.$inferSelect;

/** Step 9 settings, keyed by service (whose scope the service layer checked). */
export function createM365SettingsRepository(db: Executor) {
  return {
    async get(serviceId: string): Promise<M365SettingsRow | null> {
      const [row] = await db
        .select()
        .from(serviceM365Settings)
        .where(eq(serviceM365Settings.serviceId, serviceId));
      return row ?? null;
    },
    async upsert(serviceId: string, values: Omit<M365SettingsRow, 'serviceId' | 'updatedAt'>) {
      const now = new Date();
      await db
        .insert(serviceM365Settings)
        .values({ serviceId, ...values, updatedAt: now })
        .onConflictDoUpdate({ target: serviceM365Settings.serviceId, set: { ...values, updatedAt: now } });
    },
    /** The services whose customer admins may sign in with Microsoft from this tenant. */
    async customerAdminGrantsOfTenant(
      tenantId: string,
    ): Promise<{ serviceId: string; customerId: string; customerName: string }[]> {
      return db
        .select({
          serviceId: services.id,
          customerId: services.customerId,
          customerName: customers.name,
        })
        .from(serviceM365Settings)
        .innerJoin(serviceConnections, eq(serviceConnections.serviceId, serviceM365Settings.serviceId))
        .innerJoin(services, eq(services.id, serviceM365Settings.serviceId))
        .innerJoin(customers, eq(customers.id, services.customerId))
        .where(
          and(
            eq(serviceM365Settings.grantCustomerAdmins, true),
            eq(serviceConnections.tenantId, tenantId.toLowerCase()),
          ),
        );
    },
  };
}
export type M365SettingsRepository = ReturnType<typeof createM365SettingsRepository>;
