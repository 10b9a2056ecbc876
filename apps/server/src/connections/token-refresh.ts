import type { ConnectionMethod } from '@trunkline/contracts';
import { EntraError, type EntraClient } from '../microsoft/entra.ts';
import type { Vault } from '../secrets/vault.ts';
import type { ConnectionsRepository } from './connections.repository.ts';
import { refreshTokenContext } from './tenant-access.ts';

/**
 * The scheduled refresh: every delegated or credentials connection exchanges its refresh token for a new one
 * (they rotate) well before it lapses, and stores the new one sealed. Failures are recorded, not thrown.
 */
export function createTokenRefresh({
  repos,
  entra,
  vault,
}: {
  repos: { connections: ConnectionsRepository };
  entra: EntraClient;
  vault: Vault;
}) {
  return {
    async refreshTokens(olderThan: Date): Promise<{ refreshed: number; failed: number }> {
      let refreshed = 0;
      let failed = 0;
      for (const row of await repos.connections.dueForRefresh(olderThan)) {
        try {
          const current = await vault.open(row.refreshTokenSealed, refreshTokenContext(row.serviceId));
          const token = await entra.refresh(row.tenantId, current);
          const next = token.refreshToken ?? current;
          await repos.connections.storeRefreshedToken(row.serviceId, {
            refreshTokenSealed: await vault.seal(next, refreshTokenContext(row.serviceId)),
            tokenExpiresAt: token.expiresAt,
          });
          refreshed++;
        } catch (e) {
          failed++;
          const message =
            e instanceof EntraError
              ? `Refreshing the token failed: ${e.message}`
              : `Refreshing the token failed: ${String(e)}`;
          await repos.connections.recordFailure(row.serviceId, {
            method: row.method as ConnectionMethod,
            adminUsername: null,
            error: message,
          });
        }
      }
      return { refreshed, failed };
    },
  };
}
