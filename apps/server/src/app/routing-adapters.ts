import type { Config } from '../config/config.ts';
import type { TenantAccess } from '../connections/tenant-access.ts';
import { createAzureDnsProvider } from '../dns/azure-dns.ts';
import type { DnsProvider } from '../dns/dns-provider.ts';
import { createManualDnsProvider } from '../dns/manual.ts';
import { createRfc2136Provider } from '../dns/rfc2136.ts';
import type { EntraClient } from '../microsoft/entra.ts';
import type { GraphClient } from '../microsoft/graph.ts';
import { createGraphTenantDirectory } from '../microsoft/tenant-directory.ts';
import type { RoutingAdapters, SbcAdapters } from '../routing/context.ts';
import type { EffectiveRouting, RoutingSettingsService } from '../routing/routing-settings.service.ts';
import { StepFailure } from '../routing/steps.ts';
import { createConfigApiExecutor } from '../teams/config-api.ts';
import { createPowerShellExecutor } from '../teams/pwsh-runner.ts';
import type { TeamsExecutor } from '../teams/teams-executor.ts';
import type { ThrottleGate } from '../microsoft/throttle.ts';

/**
 * Which adapter default routing uses for each port, chosen here (the composition root) from the routing settings
 * and the configuration: the tenant directory over Graph, the DNS provider the settings name, the Teams executor
 * the settings name.
 */

/** The DNS provider the settings name, for the plan's zone. */
export function dnsProviderFor(
  s: EffectiveRouting,
  zone: string,
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient,
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
  config: Pick<Config, 'microsoft' | 'routing'>,
  graphToken: () => Promise<string>,
  gate?: ThrottleGate,
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
  return createConfigApiExecutor({
    baseUrl: config.microsoft.teamsAdminBaseUrl,
    ...(gate ? { gate } : {}),
  });
}

export function createRoutingAdapters({
  access,
  graph,
  entraForApp,
  routingSettings,
  config,
  gate,
  sbc,
}: {
  /** The process's pacing by Microsoft's Retry-After, shared with the Graph client. */
  gate?: ThrottleGate;
  access: TenantAccess;
  graph: GraphClient;
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient;
  routingSettings: RoutingSettingsService;
  config: Pick<Config, 'microsoft' | 'routing'>;
  /** The SBC inventory, provisioners and number ranges (`app/sbc-adapters.ts`). */
  sbc: SbcAdapters;
}): RoutingAdapters {
  return {
    access,
    sbc,
    routingSettings,
    directory: (token) => createGraphTenantDirectory(graph, token),
    dnsProvider: (settings, zone) => dnsProviderFor(settings, zone, entraForApp, config.routing.armBaseUrl),
    teamsExecutor: (settings, graphToken) => executorFor(settings, config, graphToken, gate),
  };
}
