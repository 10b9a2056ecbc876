import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { startRoutingWorld, type RoutingWorld } from '../support/routing.ts';

/**
 * The admin's delegated token is kept as a rotating refresh token: every use exchanges it for a new one, and the
 * old one stops working (the emulator invalidates it at once, Entra soon after). Two uses at the same moment —
 * the operator's plan preview while the role check or a run works — must not race each other into AADSTS70008.
 */
describe('delegated token used by several requests at once', () => {
  let world: RoutingWorld;

  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
  });
  afterAll(() => world?.close());

  it('answers every concurrent plan preview, each with a fresh token, and keeps one working refresh token', async () => {
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Token race' }),
      201,
    ).id;
    const svc = await world.connectedService(customerId, 'race-1');
    const previews = await Promise.all(
      Array.from({ length: 20 }, () =>
        world.admin.get(`/api/v1/services/${svc.id}/routing/plan?configureDns=true`),
      ),
    );
    for (const res of previews) expect(res.status, JSON.stringify(res.body)).toBe(200);
    // The refresh token stored last still works.
    expectStatus(await world.admin.get(`/api/v1/services/${svc.id}/routing/plan?configureDns=true`), 200);
  });
});
