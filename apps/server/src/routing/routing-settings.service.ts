import {
  RoutingSettingsUpdateSchema,
  type RoutingSettings,
  type RoutingSettingsUpdate,
} from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { SettingsRepository } from '../settings/settings.repository.ts';
import type { createRoutingSettingsRepository } from './routing-settings.repository.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Config } from '../config/config.ts';
import { forbidden } from '../platform/errors.ts';
import type { UnitOfWork } from '../platform/db/unit-of-work.ts';
import type { Vault } from '../secrets/vault.ts';

type RoutingSettingsRepository = ReturnType<typeof createRoutingSettingsRepository>;

/** The stored settings without the base domain (which lives in provider_settings) and the secret flag. */
export type StoredRouting = Omit<RoutingSettingsUpdate, 'sbcBaseDomain' | 'dnsSecret'>;
/** Settings as the orchestration uses them: with the base domain and the opened DNS secret. */
export type EffectiveRouting = StoredRouting & {
  sbcBaseDomain: string;
  dnsSecret: string | null;
  saved: boolean;
};

export const dnsSecretContext = { table: 'routing_settings', rowId: '1', purpose: 'dns-secret' };

const StoredSchema = RoutingSettingsUpdateSchema.omit({ sbcBaseDomain: true, dnsSecret: true });

/** Sensible defaults, with what the environment provides (the sandbox points them at its DNS emulator). */
function defaults(initial: Config['routing']['initial']): StoredRouting {
  return {
    sbcAddresses: initial.sbcAddresses,
    dnsTtl: 300,
    pstnUsage: 'Trunkline',
    voiceRoute: { name: 'Trunkline', numberPattern: '.*', priority: 1 },
    policyName: 'Unrestricted',
    activationUser: {
      localPart: 'trunkline-activation',
      usageLocation: 'US',
      // Licences that activate a domain (routing/activation-licences.ts), cheapest first; MCOEV alone does not.
      skus: ['STANDARDPACK', 'ENTERPRISEPACK', 'SPE_E3', 'ENTERPRISEPREMIUM', 'SPE_E5'],
    },
    dns: initial.rfc2136
      ? { kind: 'rfc2136', server: initial.rfc2136.server, keyName: initial.rfc2136.keyName }
      : { kind: 'manual', resolvers: ['1.1.1.1'] },
    dnsVerifyDeadlineMinutes: 60,
    teamsActivationDeadlineHours: 24,
    teamsExecutor: 'config-api',
    grantGlobalPolicy: false,
  };
}

/**
 * The provider's default-routing settings (Settings page, provider admins only): SBC addresses, DNS provider
 * and its secret (sealed, never returned), names of the Teams objects, the activation user, deadlines, executor.
 */
export function createRoutingSettingsService({
  repos,
  uow,
  vault,
  initial,
}: {
  repos: { routingSettings: RoutingSettingsRepository; settings: SettingsRepository };
  uow: UnitOfWork<{
    audit: AuditRepository;
    routingSettings: RoutingSettingsRepository;
    settings: SettingsRepository;
  }>;
  vault: Vault;
  initial: Config['routing']['initial'];
}) {
  async function load(): Promise<{
    stored: StoredRouting;
    sealed: string | null;
    parked: Record<string, string>;
    saved: boolean;
  }> {
    const row = await repos.routingSettings.get();
    const parsed = row ? StoredSchema.safeParse(row.settings) : null;
    if (row && parsed?.success)
      return { stored: parsed.data, sealed: row.dnsSecretSealed, parked: row.dnsSecretsParked, saved: true };
    return { stored: defaults(initial), sealed: null, parked: {}, saved: false };
  }

  const view = (
    stored: StoredRouting,
    sbcBaseDomain: string,
    secretSet: boolean,
    saved: boolean,
  ): RoutingSettings => ({ ...stored, sbcBaseDomain, dnsSecretSet: secretSet, saved });

  return {
    /** What the orchestration works with; the DNS secret opened. */
    async effective(): Promise<EffectiveRouting> {
      // Two independent reads, side by side: each run's first step and every plan preview wait for them.
      const [{ stored, sealed, saved }, { sbcBaseDomain }] = await Promise.all([
        load(),
        repos.settings.get(),
      ]);
      const dnsSecret = sealed
        ? await vault.open(sealed, dnsSecretContext)
        : !saved && stored.dns.kind === 'rfc2136'
          ? (initial.rfc2136?.secret ?? null)
          : null;
      return { ...stored, sbcBaseDomain, dnsSecret, saved };
    },

    async get(actor: Actor): Promise<RoutingSettings> {
      if (actor.role !== 'provider_admin') throw forbidden('Only provider admins see the routing settings.');
      const { stored, sealed, saved } = await load();
      const { sbcBaseDomain } = await repos.settings.get();
      return view(stored, sbcBaseDomain, Boolean(sealed) || (!saved && Boolean(initial.rfc2136)), saved);
    },

    async update(actor: Actor, input: RoutingSettingsUpdate): Promise<RoutingSettings> {
      if (actor.role !== 'provider_admin')
        throw forbidden('Only provider admins change the routing settings.');
      const { sbcBaseDomain, dnsSecret, ...stored } = input;
      const current = await load();
      const oldKind = current.stored.dns.kind;
      const newKind = stored.dns.kind;
      // One secret per provider kind: switching kinds parks the old kind's secret and brings back the new
      // kind's, so switching and back loses nothing (the sealed value is bound to the row, not the slot).
      const parked = { ...current.parked };
      let kept = current.sealed;
      if (oldKind !== newKind) {
        if (current.sealed) parked[oldKind] = current.sealed;
        else delete parked[oldKind];
        kept = parked[newKind] ?? null;
        delete parked[newKind];
      }
      const sealed = dnsSecret
        ? await vault.seal(dnsSecret, dnsSecretContext)
        : (kept ??
          (!current.saved && initial.rfc2136 && newKind === 'rfc2136'
            ? await vault.seal(initial.rfc2136.secret, dnsSecretContext)
            : null));
      await uow(async (r) => {
        await r.routingSettings.save({ settings: stored, dnsSecretSealed: sealed, dnsSecretsParked: parked });
        await r.settings.update({ sbcBaseDomain });
        await recordAudit(r.audit, actor, {
          action: 'settings.routing',
          targetType: 'provider-settings',
          summary: {
            ...stored,
            sbcBaseDomain,
            dnsSecret: dnsSecret
              ? 'changed'
              : oldKind !== newKind
                ? sealed
                  ? 'restored'
                  : 'none'
                : 'unchanged',
          },
        });
      });
      return view(stored, sbcBaseDomain, Boolean(sealed), true);
    },
  };
}
export type RoutingSettingsService = ReturnType<typeof createRoutingSettingsService>;
