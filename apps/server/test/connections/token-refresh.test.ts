import { seedWithTenants } from '@trunkline/emulator-m365';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { startRoutingWorld, type RoutingWorld } from '../support/routing.ts';

/**
 * The scheduled token refresh fans out: the scheduler sends one small job per due connection (one per connection
 * and hour, at a random moment within the spread), workers refresh them in parallel, and a tenant whose sign-in
 * fails records its failure without holding up or failing the others.
 */
describe('token refresh, one job per connection', () => {
  let world: RoutingWorld;
  const CONTOSO_SERVICES = 16;

  beforeAll(async () => {
    world = await startRoutingWorld({ seed: seedWithTenants(['tailspin']) });
    world.emu.control.consent('tailspin');
  });
  afterAll(() => world?.close());

  async function service(customerId: string, shortName: string, tenant: string) {
    const user = world.emu.control.tenant(tenant).users[0]!;
    const svc = expectStatus(
      await world.admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: `Refresh ${shortName}`,
        shortName,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: { method: 'credentials', username: user.userPrincipalName, password: 'Contoso-Admin-1!' },
      }),
      201,
    ) as { id: string; connection: { state: string } };
    expect(svc.connection.state).toBe('connected');
    return svc.id;
  }

  it('queues one job per due connection, spread and deduplicated; a failing tenant touches only itself', async () => {
    const customer = async (name: string) =>
      expectStatus(await world.admin.post('/api/v1/customers', { name }), 201).id as string;
    const many = await customer('Many connections');
    const contoso: string[] = [];
    for (let i = 0; i < CONTOSO_SERVICES; i++) contoso.push(await service(many, `refresh-${i}`, 'contoso'));
    const broken = await service(await customer('Broken tenant'), 'refresh-broken', 'tailspin');
    const all = [...contoso, broken];
    const connection = async (id: string) =>
      expectStatus(await world.admin.get(`/api/v1/services/${id}/connection`), 200) as {
        lastSuccessAt: string | null;
        lastError: string | null;
        teamsRole: { state: string };
      };
    // The Teams-role checks that follow connecting use the tokens too: let them finish first.
    await eventually('the Teams role checks', async () => {
      for (const id of all) if ((await connection(id)).teamsRole.state === 'unknown') return false;
      return true;
    });
    const before = new Map<string, string | null>();
    for (const id of all) before.set(id, (await connection(id)).lastSuccessAt);

    // Sign-in to tailspin fails from now on.
    world.emu.control.setFaults({ errorRate: 1, surfaces: ['identity'], tenant: 'tailspin' });
    const connections = world.server.runtime.services.connections;
    const dueBefore = new Date(Date.now() + 60_000);
    expect(await connections.queueRefreshes(dueBefore, 3)).toEqual({ queued: all.length });
    // The same hour again: no second job for any connection.
    await connections.queueRefreshes(dueBefore, 3);
    const jobs = await queryRows<{ key: string; start: string }>(
      world.server.runtime.handle.db,
      sql`select singleton_key as key, start_after::text as start from pgboss.job where name = 'connection.refresh-token'`,
    );
    expect(jobs).toHaveLength(all.length);
    expect(new Set(jobs.map((j) => j.key))).toEqual(new Set(all.map((id) => `refresh:${id}`)));

    await eventually(
      'every connection refreshed or failed',
      async () => {
        for (const id of contoso) {
          const c = await connection(id);
          if (c.lastSuccessAt === before.get(id)) return false;
          expect(c.lastError).toBeNull();
        }
        return (await connection(broken)).lastError?.startsWith('Refreshing the token failed') ?? false;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    // The failed tenant's job recorded the failure and ended; nothing is retried in a loop.
    expect((await connection(broken)).lastSuccessAt).toBe(before.get(broken));
  });
});
