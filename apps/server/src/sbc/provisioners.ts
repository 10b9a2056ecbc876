import { audioCodesRows, createAudioCodesProvisioner } from './audiocodes-provisioner.ts';
import { createAudioCodesDevice, type AudioCodesOptions } from './audiocodes.ts';
import { kamailioProvisionerFor } from './kamailio-provisioner.ts';
import type { SbcConfigurationModel, SbcKind, SbcProvisioner, SbcRecord } from './provisioner.ts';
import type { RowRef } from './sync.ts';
import type { SbcTemplate } from './templates.ts';

/**
 * The one place that turns an SBC inventory entry into its provisioner (by kind). Built per use from the entry
 * as the inventory resolves it (credentials unsealed), never cached: a changed entry takes effect at once.
 */

/** What the factory needs of an inventory entry. */
export type SbcEntry = {
  id: string;
  kind: SbcKind;
  managementUrl: string;
  username: string;
  password: string;
  model: SbcConfigurationModel;
};

export type SbcProvisionerDeps = {
  /** The provider's SBC templates (Settings → SBCs); none saved: the defaults. */
  templates: () => Promise<SbcTemplate[]>;
  /** Indexes recorded for the SBC's other customers, per table (`sbc_allocations`), never the service's own. */
  reservedIndexes: (sbcId: string, serviceId: string) => Promise<Record<string, number[]>>;
  /** AudioCodes REST tuning (409 retries, timeouts). */
  audiocodes?: Pick<AudioCodesOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'timeoutMs' | 'sleep'>;
};

export function createSbcProvisioner(entry: SbcEntry, deps: SbcProvisionerDeps): SbcProvisioner {
  switch (entry.kind) {
    case 'audiocodes':
      return createAudioCodesProvisioner({
        sbcId: entry.id,
        device: createAudioCodesDevice({
          url: entry.managementUrl,
          username: entry.username,
          password: entry.password,
          ...deps.audiocodes,
        }),
        templates: deps.templates,
        reservedIndexes: (serviceId) => deps.reservedIndexes(entry.id, serviceId),
      });
    case 'kamailio':
      return kamailioProvisionerFor(entry);
  }
}

/**
 * The indexed rows a record says the customer holds on its SBC (`sbc_allocations`, so no other customer is given
 * them). Kinds without shared row indexes hold none.
 */
export function heldRows(record: SbcRecord): RowRef[] {
  return record.kind === 'audiocodes' ? audioCodesRows(record.state) : [];
}
