import { GRAPH_RESOURCE, TEAMS_ADMIN_RESOURCE, type TenantAccess } from '../connections/tenant-access.ts';
import type { DnsProvider } from '../dns/dns-provider.ts';
import type { TenantDirectory } from '../microsoft/tenant-directory.ts';
import type { SbcNumberRange, SbcProvisioner } from '../sbc/provisioner.ts';
import type { SbcEntry } from '../sbc/provisioners.ts';
import type { TeamsExecutor } from '../teams/teams-executor.ts';
import type { RoutingPlan } from './plan.ts';
import type { EffectiveRouting, RoutingSettingsService } from './routing-settings.service.ts';
import { StepFailure, type Outcome, type StepContext } from './steps.ts';

/** The ports default routing works through; which adapter serves each is chosen in `app/routing-adapters.ts`. */
export type RoutingAdapters = {
  access: TenantAccess;
  routingSettings: RoutingSettingsService;
  /** The customer tenant's directory, with tokens from `token`. */
  directory: (token: () => Promise<string>) => TenantDirectory;
  /** The DNS provider the settings name, for a zone; a StepFailure when none is usable. */
  dnsProvider: (settings: EffectiveRouting, zone: string) => DnsProvider;
  /** The Teams executor the settings name; a StepFailure when it cannot run here. */
  teamsExecutor: (settings: EffectiveRouting, graphToken: () => Promise<string>) => TeamsExecutor;
  sbc: SbcAdapters;
};

/** An SBC of the inventory as the SBC step uses it: the provisioner's entry, with its management password opened. */
export type ResolvedSbcEntry = SbcEntry & {
  name: string;
  carrierFqdn: string;
  addresses: string[];
  sessionsPerUser: number;
};

/** The SBC inventory, the provisioners and the number ranges, as the Configure SBC step needs them. */
export type SbcAdapters = {
  /** An SBC by id; null: no such SBC. */
  resolve: (sbcId: string) => Promise<ResolvedSbcEntry | null>;
  /** The service's SBC (`services.sbc_id`), else the default; null: none is set up. */
  forService: (serviceId: string) => Promise<ResolvedSbcEntry | null>;
  provisioner: (entry: ResolvedSbcEntry) => SbcProvisioner;
  /** The service's number ranges. */
  ranges: (serviceId: string) => Promise<SbcNumberRange[]>;
};

/**
 * Everything a step needs for one service, built lazily: tokens by the connection's method (app-only for
 * admin consent and an own app, the admin's delegated token for delegated and credentials connections).
 */
export async function stepContext(
  a: RoutingAdapters,
  serviceId: string,
  plan: RoutingPlan,
  configureDns: boolean,
  previous: Outcome,
  checkpoint: StepContext['checkpoint'] = async () => undefined,
  previewReads?: StepContext['previewReads'],
): Promise<StepContext> {
  // The connection is read once per step attempt (and preview), not before every Microsoft call: a row read sat
  // between each two calls of a step. A failed read is not kept; the next attempt builds a new context.
  let connection: ReturnType<TenantAccess['connected']> | null = null;
  const row = () =>
    (connection ??= a.access.connected(serviceId).catch((e: unknown) => {
      connection = null;
      throw e;
    }));
  const token = async (resource: string) => {
    const r = await row();
    const delegated = r.method === 'delegated' || r.method === 'credentials';
    const t =
      (delegated ? await a.access.delegatedToken(r, resource) : null) ??
      (await a.access.appToken(r, resource));
    return t.accessToken;
  };
  const graphToken = () => token(GRAPH_RESOURCE);
  const settings = await a.routingSettings.effective();
  return {
    plan,
    configureDns,
    previous,
    checkpoint,
    ...(previewReads ? { previewReads } : {}),
    directory: a.directory(graphToken),
    teamsToken: () => token(TEAMS_ADMIN_RESOURCE),
    dns: async () => a.dnsProvider(settings, plan.zone),
    executor: () => a.teamsExecutor(settings, graphToken),
    sbcProvisioner: async (sbcId) => {
      const entry = await a.sbc.resolve(sbcId);
      if (!entry)
        throw new StepFailure(
          `The SBC ${sbcId} is no longer in the inventory: add it again under Settings → SBCs.`,
        );
      return a.sbc.provisioner(entry);
    },
  };
}
