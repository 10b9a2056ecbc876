import type { ConnectionsRepository } from './connections.repository.ts';
import { EntraError, type EntraClient, type TokenResult } from '../microsoft/entra.ts';
import { AppError } from '../platform/errors.ts';
import type { Vault } from '../secrets/vault.ts';
import type { ConnectionRow } from './connections.repository.ts';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** The "Skype and Teams Tenant Admin API" (Teams ConfigAPI, MicrosoftTeams PowerShell). */
export const TEAMS_ADMIN_RESOURCE = '48ac35b8-9aa8-4d74-927d-1f4a14a0b239';

export const refreshTokenContext = (serviceId: string) => ({
  table: 'service_connections',
  rowId: serviceId,
  purpose: 'refresh-token',
});
export const clientSecretContext = (serviceId: string) => ({
  table: 'service_connections',
  rowId: serviceId,
  purpose: 'client-secret',
});

export type ConnectedRow = ConnectionRow & { tenantId: string };

type Deps = {
  repos: { connections: ConnectionsRepository };
  entra: EntraClient;
  entraForApp: (app: { clientId: string; clientSecret: string }) => EntraClient;
  vault: Vault;
  /** The provider's multi-tenant app registration (ENTRA_CLIENT_ID), when configured. */
  providerAppId: string | null;
};

/**
 * Tokens for a connected customer tenant, by the way it was connected: app-only tokens of the app the
 * automation acts as (the customer's own app, or the provider's), and the admin's delegated token where one was
 * kept (delegated and credentials connections; refresh tokens rotate, so each new one is stored at once).
 */
export function createTenantAccess({ repos, entra, entraForApp, vault, providerAppId }: Deps) {
  return {
    /** The connection of a service that holds a working connection; 409 otherwise. */
    async connected(serviceId: string): Promise<ConnectedRow> {
      const row = await repos.connections.get(serviceId);
      if (!row?.tenantId || !row.lastSuccessAt)
        throw new AppError('conflict', 'The service is not connected to Microsoft 365 yet.');
      return row as ConnectedRow;
    },

    /** The application the automation acts as in this tenant. */
    appIdOf(row: ConnectedRow): string {
      if (row.method === 'own-app' && row.clientId) return row.clientId;
      if (!providerAppId)
        throw new AppError(
          'conflict',
          'Microsoft 365 is not configured on this Trunkline (ENTRA_CLIENT_ID).',
        );
      return providerAppId;
    },

    /** An app-only token (client credentials) of that application for one resource. */
    async appToken(row: ConnectedRow, resource: string = GRAPH_RESOURCE) {
      if (row.method === 'own-app' && row.clientId && row.clientSecretSealed) {
        const clientSecret = await vault.open(row.clientSecretSealed, clientSecretContext(row.serviceId));
        return entraForApp({ clientId: row.clientId, clientSecret }).clientCredentials(
          row.tenantId,
          resource,
        );
      }
      return entra.clientCredentials(row.tenantId, resource);
    },

    /**
     * The admin's delegated token for one resource, or null when the connection holds none. Refresh tokens
     * rotate: each new one is stored at once. When another worker rotated it meanwhile (ours is refused), the
     * stored one is read again and used.
     */
    async delegatedToken(row: ConnectedRow, resource: string = GRAPH_RESOURCE): Promise<TokenResult | null> {
      if (!row.refreshTokenSealed) return null;
      const exchange = async (sealed: string) => {
        const current = await vault.open(sealed, refreshTokenContext(row.serviceId));
        const token = await entra.refresh(row.tenantId, current, resource);
        if (token.refreshToken && token.refreshToken !== current)
          await repos.connections.storeRefreshedToken(row.serviceId, {
            refreshTokenSealed: await vault.seal(token.refreshToken, refreshTokenContext(row.serviceId)),
            tokenExpiresAt: token.expiresAt,
          });
        return token;
      };
      try {
        return await exchange(row.refreshTokenSealed);
      } catch (e) {
        const stored = (await repos.connections.get(row.serviceId))?.refreshTokenSealed;
        if (!(e instanceof EntraError) || !stored || stored === row.refreshTokenSealed) throw e;
        return exchange(stored);
      }
    },
  };
}
export type TenantAccess = ReturnType<typeof createTenantAccess>;
