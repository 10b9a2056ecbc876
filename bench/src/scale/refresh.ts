import { sql } from 'drizzle-orm';
import { pool, startWorld } from './world.ts';

/**
 * The token refresh at `n` connections with Entra answering in `latencyMs`: how long the scheduler job takes to
 * queue one job per connection, and how long the workers take to refresh them all (here all due at once, spread
 * over `spreadSeconds`; the hourly schedule spreads them over 55 minutes).
 */
export async function tokenRefresh(n: number, latencyMs = 150, spreadSeconds = 0) {
  // A customer holds at most 500 licensed users and a Microsoft 365 tenant belongs to one customer: one tenant and
  // one customer per 400 one-user services.
  const tenants = Array.from({ length: Math.ceil(n / 400) }, (_, t) => `refresh-${t}`);
  const world = await startWorld(tenants);
  try {
    const customerIds: string[] = [];
    for (const t of tenants)
      customerIds.push((await world.stack.call('POST', '/api/v1/customers', { name: `Customer ${t}` })).id);
    const t0 = performance.now();
    await pool(
      Array.from({ length: n }, (_, i) => i),
      8,
      (i) => world.connected(tenants[Math.floor(i / 400)]!, `refresh-${i}`, customerIds[Math.floor(i / 400)]),
    );
    const setupS = (performance.now() - t0) / 1000;
    await world.drained(['connection.teams-role']);
    world.emu.control.setFaults({ latencyMs, surfaces: ['identity'] });
    const connections = world.stack.runtime.services.connections;
    const started = new Date();
    const q0 = performance.now();
    const { queued } = await connections.queueRefreshes(new Date(Date.now() + 60_000), spreadSeconds);
    const schedulerMs = performance.now() - q0;
    await world.drained(['connection.refresh-token'], 3_600_000);
    const drainS = (performance.now() - q0) / 1000;
    const since = started.toISOString();
    const rows = await world.stack.rows<{ refreshed: number; failed: number }>(
      sql`select count(*) filter (where last_success_at >= ${since}::timestamptz)::int as refreshed,
                 count(*) filter (where last_error_at >= ${since}::timestamptz)::int as failed
          from service_connections`,
    );
    return {
      connections: n,
      entraLatencyMs: latencyMs,
      setupS,
      queued,
      schedulerMs,
      allRefreshedS: drainS,
      refreshed: Number(rows[0]!.refreshed),
      failed: Number(rows[0]!.failed),
      perSecond: n / drainS,
    };
  } finally {
    await world.stop();
  }
}
