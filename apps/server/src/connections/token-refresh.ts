import type { ConnectionMethod } from '@trunkline/contracts';
import { refreshTokenJob } from '../jobs/definitions.ts';
import type { JobQueue } from '../jobs/job.ts';
import { EntraError } from '../microsoft/entra.ts';
import type { ConnectionsRepository } from './connections.repository.ts';
import type { TenantAccess } from './tenant-access.ts';

/** A connection is due when its token was last obtained longer ago than this (each is refreshed daily). */
export const REFRESH_AGE_MS = 24 * 3600_000;

/**
 * The scheduled refresh: every delegated or credentials connection exchanges its refresh token for a new one
 * (they rotate) well before it lapses, and stores the new one sealed. Fanned out: a cheap scheduler job
 * (`queueRefreshes`) sends one small `connection.refresh-token` job per due connection, one per connection and
 * hour (singleton key), each at a random moment within the spread, so the work scales with the workers and a
 * failure touches one tenant. Failures are recorded on the connection, not thrown.
 */
export function createTokenRefresh({
  repos,
  access,
  jobs,
  random = Math.random,
}: {
  repos: { connections: ConnectionsRepository };
  /** The one exchange-and-store of the admin's refresh token (one at a time per connection). */
  access: Pick<TenantAccess, 'rotate'>;
  jobs: JobQueue;
  random?: () => number;
}) {
  const isDue = (row: { lastSuccessAt: Date | null }, olderThan: Date) =>
    row.lastSuccessAt === null || row.lastSuccessAt < olderThan;

  async function refresh(row: { serviceId: string; tenantId: string; method: string }) {
    try {
      await access.rotate(row.serviceId, row.tenantId);
      return 'refreshed' as const;
    } catch (e) {
      const message =
        e instanceof EntraError
          ? `Refreshing the token failed: ${e.message}`
          : `Refreshing the token failed: ${String(e)}`;
      await repos.connections.recordFailure(row.serviceId, {
        method: row.method as ConnectionMethod,
        adminUsername: null,
        error: message,
      });
      return 'failed' as const;
    }
  }

  return {
    /** One job per due connection, each starting at a random moment within `spreadSeconds`. */
    async queueRefreshes(olderThan: Date, spreadSeconds: number): Promise<{ queued: number }> {
      const due = await repos.connections.dueForRefresh(olderThan);
      for (const row of due)
        await jobs.send(
          refreshTokenJob,
          { serviceId: row.serviceId, dueBefore: olderThan.toISOString() },
          {
            singletonKey: `refresh:${row.serviceId}`,
            singletonSeconds: 3600,
            startAfterSeconds: Math.floor(random() * spreadSeconds),
          },
        );
      return { queued: due.length };
    },

    /** Refreshes one connection if it is still due (a duplicate or late job finds it fresh and does nothing). */
    async refreshToken(serviceId: string, olderThan: Date): Promise<'refreshed' | 'failed' | 'not-due'> {
      const row = await repos.connections.get(serviceId);
      if (
        !row?.tenantId ||
        !row.refreshTokenSealed ||
        !['delegated', 'credentials'].includes(row.method) ||
        !isDue(row, olderThan)
      )
        return 'not-due';
      return refresh({ serviceId, tenantId: row.tenantId, method: row.method });
    },

    /** Refreshes every due connection now, one after the other (maintenance; the schedule fans out instead). */
    async refreshTokens(olderThan: Date): Promise<{ refreshed: number; failed: number }> {
      let refreshed = 0;
      let failed = 0;
      for (const row of await repos.connections.dueForRefresh(olderThan)) {
        if ((await refresh(row)) === 'refreshed') refreshed++;
        else failed++;
      }
      return { refreshed, failed };
    },
  };
}
