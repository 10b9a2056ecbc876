import { asc, eq } from 'drizzle-orm';
import type { LicenseType, ProviderSettings } from '@trunkline/contracts';
import type { Executor } from '../platform/db/database.ts';
import { licenseTypes, providerSettings } from '../platform/db/schema.ts';

/** Provider-wide settings and reference data: not scoped, every signed-in user reads the same. */
export function createSettingsRepository(db: Executor) {
  return {
    async get(): Promise<ProviderSettings> {
      const [row] = await db.select().from(providerSettings).where(eq(providerSettings.id, 1));
      if (!row) throw new Error('provider_settings row missing: migrations not applied');
      return {
        providerName: row.providerName,
        sbcBaseDomain: row.sbcBaseDomain,
        requireTwoFactorForAdmins: row.requireTwoFactorForAdmins,
      };
    },
    async update(patch: Partial<ProviderSettings>): Promise<ProviderSettings> {
      await db
        .update(providerSettings)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(providerSettings.id, 1));
      return this.get();
    },
    async licenseTypes(): Promise<LicenseType[]> {
      return db
        .select({ id: licenseTypes.id, name: licenseTypes.name, description: licenseTypes.description })
        .from(licenseTypes)
        .orderBy(asc(licenseTypes.sort), asc(licenseTypes.name));
    },
  };
}
export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
