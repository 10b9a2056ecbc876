import type { LicenseType, ProviderSettings, ProviderSettingsUpdate } from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { SettingsRepository } from './settings.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import { forbidden } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';

export function createSettingsService({
  repos,
  uow,
}: {
  repos: { settings: SettingsRepository };
  uow: UnitOfWork<{ audit: AuditRepository; settings: SettingsRepository }>;
}) {
  return {
    get: (_actor: Actor): Promise<ProviderSettings> => repos.settings.get(),
    licenseTypes: (_actor: Actor): Promise<LicenseType[]> => repos.settings.licenseTypes(),
    async update(actor: Actor, input: ProviderSettingsUpdate): Promise<ProviderSettings> {
      if (actor.role !== 'provider_admin') throw forbidden('Only provider admins change provider settings.');
      return uow(async (r) => {
        const updated = await r.settings.update(input);
        await recordAudit(r.audit, actor, {
          action: 'settings.update',
          targetType: 'provider-settings',
          summary: { ...input },
        });
        return updated;
      });
    },
  };
}
export type SettingsService = ReturnType<typeof createSettingsService>;
