import type { Config } from '../config/config.ts';
import { GRAPH_RESOURCE, TEAMS_ADMIN_RESOURCE, type TenantAccess } from '../connections/tenant-access.ts';
import { createAzureDnsProvider } from '../dns/azure-dns.ts';
import type { DnsProvider } from '../dns/dns-provider.ts';
import { createManualDnsProvider } from '../dns/manual.ts';
import { createRfc2136Provider } from '../dns/rfc2136.ts';
import type { EntraClient } from '../microsoft/entra.ts';
import type { GraphClient } from '../microsoft/graph.ts';
import { createConfigApiExecutor } from '../teams/config-api.ts';
import { createPowerShellExecutor } from '../teams/powershell.ts';
import type { TeamsExecutor } from '../teams/teams-executor.ts';
import type { RoutingPlan } from './plan.ts';
import type { EffectiveRouting, RoutingSettingsService } from './routing-settings.service.ts';
import { StepFailure, type Outcome, type StepContext } from './steps.ts';

export type RoutingAdapters = {
  access: TenantAccess;
  graph: GraphClient;
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient;
  routingSettings: RoutingSettingsService;
  config: Pick<Config, 'microsoft' | 'routing'>;
};

/** The DNS provider the settings name, for the plan's zone. */
export function dnsProviderFor(
  s: EffectiveRouting,
  zone: string,
  entraForApp: RoutingAdapters['entraForApp'],
  armBaseUrl: string,
): DnsProvider {
  const missingSecret = () =>
    new StepFailure('The DNS provider has no secret stored: set it under Settings → Default routing.');
  switch (s.dns.kind) {
    case 'rfc2136':
      if (!s.dnsSecret) throw missingSecret();
      return createRfc2136Provider({
        server: s.dns.server,
        zone,
        tsig: { name: s.dns.keyName, algorithm: 'hmac-sha256', secret: s.dnsSecret },
      });
    case 'azure': {
      if (!s.dnsSecret) throw missingSecret();
      const { tenantId, clientId, subscriptionId, resourceGroup } = s.dns;
      const secret = s.dnsSecret;
      return createAzureDnsProvider({
        armBaseUrl,
        subscriptionId,
        resourceGroup,
        zone,
        token: async () =>
          (
            await entraForApp({ clientId, clientSecret: secret }).clientCredentials(
              tenantId,
              'https://management.azure.com',
            )
          ).accessToken,
      });
    }
    case 'manual':
      return createManualDnsProvider({ zone, servers: s.dns.resolvers });
  }
}

/** The Teams executor the settings name. */
export function executorFor(
  s: EffectiveRouting,
  config: RoutingAdapters['config'],
  graphToken: () => Promise<string>,
): TeamsExecutor {
  if (s.teamsExecutor === 'powershell') {
    if (!config.routing.pwshPath)
      throw new StepFailure(
        'The PowerShell executor is selected but PWSH_PATH is not set on the workers: download the script from the plan preview and run it, or choose the Teams admin API executor.',
      );
    // Connect-MicrosoftTeams takes a Graph and a Teams token of the same kind; pwsh gets only what it needs
    // of the environment, never the server's own secrets.
    return createPowerShellExecutor({
      pwsh: config.routing.pwshPath,
      graphTokenFor: graphToken,
      env: config.routing.pwshEnv,
    });
  }
  return createConfigApiExecutor({ baseUrl: config.microsoft.teamsAdminBaseUrl });
}

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
): Promise<StepContext> {
  const row = () => a.access.connected(serviceId);
  const token = async (resource: string) => {
    const r = await row();
    const delegated = r.method === 'delegated' || r.method === 'credentials';
    const t =
      (delegated ? await a.access.delegatedToken(r, resource) : null) ??
      (await a.access.appToken(r, resource));
    return t.accessToken;
  };
  const settings = await a.routingSettings.effective();
  return {
    plan,
    configureDns,
    previous,
    checkpoint,
    graph: a.graph,
    graphToken: () => token(GRAPH_RESOURCE),
    teamsToken: () => token(TEAMS_ADMIN_RESOURCE),
    dns: async () => dnsProviderFor(settings, plan.zone, a.entraForApp, a.config.routing.armBaseUrl),
    executor: () => executorFor(settings, a.config, () => token(GRAPH_RESOURCE)),
  };
}
