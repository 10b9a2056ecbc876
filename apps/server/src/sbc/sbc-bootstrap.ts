import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.ts';
import type { Vault } from '../secrets/vault.ts';
import { sbcPasswordContext, type SbcsRepository, type StoredSbc } from './sbcs.repository.ts';

/** The name of the entry an upgrade makes from the routing settings' SBC addresses. */
export const UPGRADED_SBC_NAME = 'AudioCodes Mediant';

/**
 * Fills an empty SBC inventory at start, idempotently (every process may run it; a second insert finds the
 * inventory filled, or loses on the unique indexes):
 * 1. `SBC_DEFAULT_URL` set (the sandbox points it at the AudioCodes emulator): that SBC, the default.
 * 2. Otherwise the upgrade of an installation from before the inventory: one AudioCodes entry from the routing
 *    settings' SBC addresses (saved, or `SBC_ADDRESSES`), carrier FQDN = the SBC base domain, the default. Its
 *    management URL is a guess (`https://<first address>`) and it has no credentials: Settings → SBCs says so
 *    until someone edits it and Test connection passes.
 * Nothing when the inventory has an SBC, or there is nothing to make one from.
 */
export async function ensureSbcInventory({
  sbcs,
  vault,
  initial,
  routing,
}: {
  sbcs: SbcsRepository;
  vault: Vault;
  initial: Config['sbc']['initial'];
  /** The routing settings in force (saved or from the environment) and the SBC base domain. */
  routing: () => Promise<{ sbcAddresses: string[]; sbcBaseDomain: string }>;
}): Promise<StoredSbc | null> {
  if ((await sbcs.count()) > 0) return null;
  const { sbcAddresses, sbcBaseDomain } = await routing();
  const id = randomUUID();
  const common = {
    id,
    model: 'shared-trunk' as const,
    maxCustomers: null,
    maxSessions: null,
    sessionsPerUser: 1,
  };
  if (initial) {
    const addresses = initial.addresses.length > 0 ? initial.addresses : sbcAddresses;
    if (addresses.length === 0) return null;
    return sbcs.create(
      {
        ...common,
        name: initial.name ?? (initial.kind === 'audiocodes' ? UPGRADED_SBC_NAME : 'Kamailio'),
        kind: initial.kind,
        managementUrl: initial.managementUrl,
        username: initial.username,
        passwordSealed: initial.password ? await vault.seal(initial.password, sbcPasswordContext(id)) : null,
        carrierFqdn: initial.carrierFqdn ?? sbcBaseDomain,
        addresses,
        isDefault: true,
      },
      { onlyIfEmpty: true },
    );
  }
  const first = sbcAddresses[0];
  if (first === undefined) return null;
  return sbcs.create(
    {
      ...common,
      name: UPGRADED_SBC_NAME,
      kind: 'audiocodes',
      managementUrl: `https://${first.includes(':') ? `[${first}]` : first}`,
      username: null,
      passwordSealed: null,
      carrierFqdn: sbcBaseDomain,
      addresses: sbcAddresses,
      isDefault: true,
    },
    { onlyIfEmpty: true },
  );
}
