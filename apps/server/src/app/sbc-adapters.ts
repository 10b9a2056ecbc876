import type { SbcNumberRange } from '../sbc/provisioner.ts';
import { createSbcProvisioner, type SbcProvisionerDeps } from '../sbc/provisioners.ts';
import type { SbcAllocationsRepository } from '../sbc/allocations.repository.ts';
import type { SbcsRepository, StoredSbc } from '../sbc/sbcs.repository.ts';
import { openSbc } from '../sbc/sbcs.service.ts';
import type { SbcTemplatesRepository } from '../sbc/templates.repository.ts';
import type { Vault } from '../secrets/vault.ts';
import type { ResolvedSbcEntry, SbcAdapters } from '../routing/context.ts';

/**
 * The SBC side of the routing workflow (the Configure SBC step, its preview, the DNS step's addresses): the
 * inventory's entries with their management password opened, a provisioner per entry (the provider's templates,
 * the indexes the SBC's other customers hold), and the service's number ranges.
 */
export function createSbcAdapters({
  repos,
  vault,
  ranges,
  audiocodes,
}: {
  repos: {
    sbcs: SbcsRepository;
    sbcTemplates: SbcTemplatesRepository;
    sbcAllocations: SbcAllocationsRepository;
  };
  vault: Vault;
  ranges: (serviceId: string) => Promise<SbcNumberRange[]>;
  audiocodes?: SbcProvisionerDeps['audiocodes'];
}): SbcAdapters {
  const open = async (sbc: StoredSbc | null): Promise<ResolvedSbcEntry | null> => sbc && openSbc(vault, sbc);
  return {
    resolve: async (sbcId) => open(await repos.sbcs.get(sbcId)),
    forService: async (serviceId) => open(await repos.sbcs.getForService(serviceId)),
    provisioner: (entry) =>
      createSbcProvisioner(entry, {
        templates: () => repos.sbcTemplates.list(),
        reservedIndexes: (sbcId, serviceId) => repos.sbcAllocations.heldByOthers(sbcId, serviceId),
        ...(audiocodes ? { audiocodes } : {}),
      }),
    ranges,
  };
}
