import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import {
  ZONE,
  startRoutingWorld,
  tenantState,
  waitForWorkflow,
  type RoutingWorld,
  type Run,
} from '../support/routing.ts';

/**
 * Several services of one customer share its tenant's Teams objects: the first creates the PSTN usage, route and
 * policy, the others add their trunk to the route. Removing them one by one must end with the tenant as it was
 * before the first, whichever service created the objects and whichever leaves last.
 */
describe('Teams objects shared by the services of one tenant', () => {
  let world: RoutingWorld;
  let customerId: string;

  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
    customerId = expectStatus(await world.admin.post('/api/v1/customers', { name: 'Shared tenant' }), 201).id;
  });
  afterAll(() => world?.close());

  const run = async (id: string, kind: 'onboard' | 'offboard') =>
    (await waitForWorkflow(
      world.admin,
      id,
      (w) => (w as Run).kind === kind && ['succeeded', 'failed'].includes(w.status),
    )) as Run;

  it('the last service to leave removes what the first one created', async () => {
    const before = tenantState(world);
    const serial = world.dns.serial(ZONE);
    const a = await world.connectedService(customerId, 'shared-a');
    const b = await world.connectedService(customerId, 'shared-b');
    for (const svc of [a, b]) {
      expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
      const done = await run(svc.id, 'onboard');
      expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    }
    // a created the objects, b joined them; a leaves first, then b.
    for (const svc of [a, b]) {
      expectStatus(
        await world.admin.post(`/api/v1/services/${svc.id}/offboarding`, { confirmShortName: svc.shortName }),
        202,
      );
      const done = await run(svc.id, 'offboard');
      expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    }
    expect(tenantState(world)).toEqual(before);
    expect(world.dns.serial(ZONE)).toBeGreaterThan(serial);
  });
});
