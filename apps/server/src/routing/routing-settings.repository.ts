import { eq } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { routingSettings } from '../platform/db/schema.ts';

/** The provider's routing settings: one row (id 1), the settings as JSON, the DNS secret sealed. */
export function createRoutingSettingsRepository(db: Executor) {
  return {
    async get(): Promise<{ settings: unknown; dnsSecretSealed: string | null } | null> {
      const [row] = await db.select().from(routingSettings).where(eq(routingSettings.id, 1));
      return row ? { settings: row.settings, dnsSecretSealed: row.dnsSecretSealed } : null;
    },
    async save(settings: unknown, dnsSecretSealed: string | null) {
      const now = new Date();
      await db
        .insert(routingSettings)
        .values({ id: 1, settings, dnsSecretSealed, updatedAt: now })
        .onConflictDoUpdate({
          target: routingSettings.id,
          set: { settings, dnsSecretSealed, updatedAt: now },
        });
    },
  };
}
