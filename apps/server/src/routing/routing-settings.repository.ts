import { eq } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { routingSettings } from '../platform/db/schema.ts';

export type StoredRoutingRow = {
  settings: unknown;
  /** The secret of the DNS provider kind in use, sealed. */
  dnsSecretSealed: string | null;
  /** Sealed secrets of the other kinds, by kind, kept for switching back. */
  dnsSecretsParked: Record<string, string>;
};

/** The provider's routing settings: one row (id 1), the settings as JSON, the DNS secrets sealed. */
export function createRoutingSettingsRepository(db: Executor) {
  return {
    async get(): Promise<StoredRoutingRow | null> {
      const [row] = await db.select().from(routingSettings).where(eq(routingSettings.id, 1));
      return row
        ? {
            settings: row.settings,
            dnsSecretSealed: row.dnsSecretSealed,
            dnsSecretsParked: row.dnsSecretsParked,
          }
        : null;
    },
    async save({ settings, dnsSecretSealed, dnsSecretsParked }: StoredRoutingRow) {
      const now = new Date();
      await db
        .insert(routingSettings)
        .values({ id: 1, settings, dnsSecretSealed, dnsSecretsParked, updatedAt: now })
        .onConflictDoUpdate({
          target: routingSettings.id,
          set: { settings, dnsSecretSealed, dnsSecretsParked, updatedAt: now },
        });
    },
  };
}
