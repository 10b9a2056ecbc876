import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceSchema } from '@trunkline/contracts';
import { expectBody, expectProblem, expectStatus } from '../support/client.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld } from '../support/routing.ts';

/** A removed service's numbers are free for others, and its list no longer changes. */
describe('number ranges of a removed service', () => {
  let world: RoutingWorld;
  let customerId: string;

  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
    customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Ranges customer' }),
      201,
    ).id;
  });
  afterAll(() => world?.close());

  it('releases the numbers once the service is removed', async () => {
    const old = await world.connectedService(customerId, 'ranges-old');
    const next = await world.connectedService(customerId, 'ranges-new');
    const ranges = { ranges: [{ range: '+4930123[1000-1999]' }] };
    expectStatus(await world.admin.put(`/api/v1/services/${old.id}/number-ranges`, ranges), 200);
    expectProblem(
      await world.admin.put(`/api/v1/services/${next.id}/number-ranges`, ranges),
      409,
      'conflict',
    );

    expectStatus(await world.admin.post(`/api/v1/services/${old.id}/routing`, { configureDns: true }), 202);
    await waitForWorkflow(world.admin, old.id, (w) => w.status === 'succeeded');
    expectStatus(
      await world.admin.post(`/api/v1/services/${old.id}/offboarding`, { confirmShortName: 'ranges-old' }),
      202,
    );
    await waitForWorkflow(world.admin, old.id, (w) => w.status === 'succeeded');
    const removed = expectBody(await world.admin.get(`/api/v1/services/${old.id}`), 200, ServiceSchema);
    expect(removed.lifecycle.state).toBe('removed');

    const problem = expectProblem(
      await world.admin.put(`/api/v1/services/${old.id}/number-ranges`, { ranges: [] }),
      409,
      'conflict',
    );
    expect(problem.errors).toEqual([{ path: 'status', code: 'not_editable', message: 'Removed' }]);
    // Still on record for the history, but no longer claiming the numbers.
    expect(
      expectStatus(await world.admin.get(`/api/v1/services/${old.id}/number-ranges`), 200).items,
    ).toHaveLength(1);
    expectStatus(await world.admin.put(`/api/v1/services/${next.id}/number-ranges`, ranges), 200);
  });
});
