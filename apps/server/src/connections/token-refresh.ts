import type { ConnectionMethod } from '@trunkline/contracts';
import { EntraError } from '../microsoft/entra.ts';
import type { ConnectionsRepository } from './connections.repository.ts';
import type { TenantAccess } from './tenant-access.ts';

/**
 * The scheduled refresh: every delegated or credentials connection exchanges its refresh token for a new one
 * (they rotate) well before it lapses, and stores the new one sealed. Failures are recorded, not thrown.
 */
export function createTokenRefresh({
  repos,
  access,
}: {
  repos: { connections: ConnectionsRepository };
  /** The one exchange-and-store of the admin's refresh token (one at a time per connection). */
  access: Pick<TenantAccess, 'rotate'>;
}) {
  return {
    async refreshTokens(olderThan: Date): Promise<{ refreshed: number; failed: number }> {
      let refreshed = 0;
      let failed = 0;
      for (const row of await repos.connections.dueForRefresh(olderThan)) {
        try {
          await access.rotate(row.serviceId, row.tenantId);
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
