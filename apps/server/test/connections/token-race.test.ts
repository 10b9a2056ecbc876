import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { startRoutingWorld, type RoutingWorld } from '../support/routing.ts';

/**
 * The admin's delegated token is kept as a rotating refresh token: every use exchanges it for a new one, and the
 * old one stops working (the emulator invalidates it at once, Entra soon after). Uses at the same moment — the
 * scheduled refresh while the operator's plan preview or a run works — must not race each other into
 * AADSTS70008 (seen in the browser and in delegated.test.ts before each exchange waited for the one before it).
 */
describe('delegated token used by several callers at once', () => {
  let world: RoutingWorld;

  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
  });
  afterAll(() => world?.close());

  it('serves the scheduled refresh and concurrent plan previews alike, and keeps one working refresh token', async () => {
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Token race' }),
      201,
    ).id;
    const svc = await world.connectedService(customerId, 'race-1');
    const connection = () => world.admin.get(`/api/v1/services/${svc.id}/connection`);
    await eventually('the Teams role check after connecting', async () => {
      return expectStatus(await connection(), 200).teamsRole.state !== 'unknown';
    });
    const later = new Date(Date.now() + 3_600_000);
    const refreshes = world.server.runtime.services.connections;
    const [a, b, ...previews] = await Promise.all([
      refreshes.refreshTokens(later),
      refreshes.refreshTokens(later),
      ...Array.from({ length: 6 }, () =>
        world.admin.get(`/api/v1/services/${svc.id}/routing/plan?configureDns=true`),
      ),
    ]);
    expect(a.failed + b.failed, 'scheduled refreshes that failed').toBe(0);
    for (const res of previews) expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(expectStatus(await connection(), 200).lastError ?? null).toBeNull();
    // The refresh token stored last still works.
    expect((await refreshes.refreshTokens(later)).failed).toBe(0);
  });
});
