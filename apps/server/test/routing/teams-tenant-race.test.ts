import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';

/**
 * An offboarding and an onboarding of two services in one tenant at the same time (found by the 50-crash-points
 * system test, crash-points.test.ts). Both voice-routing steps read the tenant's shared Teams objects, then
 * write: the offboarding saw the route list only its own trunk and deleted the route, the usage and the policy,
 * while the onboarding had planned to add its trunk to that route; the onboarding then failed ("PSTN usage
 * 'Trunkline' does not exist"), or succeeded with its trunk on a route deleted a moment later. One run of a
 * tenant at a time changes its Teams objects now; the other's voice-routing step waits.
 */
describe('voice routing of two services in one tenant, one onboarding while the other is offboarded', () => {
  let world: RoutingWorld;

  beforeAll(async () => {
    world = await startRoutingWorld({ env: { ROUTING_LEASE_SECONDS: '5', ROUTING_SWEEP_SECONDS: '1' } });
    await world.saveSettings();
  });
  afterAll(() => world?.close());

  const db = () => world.server.runtime.handle.db;

  it('the onboarded service keeps a route through its trunk; the removed one leaves nothing of its own', async () => {
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Race customer' }),
      201,
    ).id;
    const leaving = await world.connectedService(customerId, 'race-out');
    const joining = await world.connectedService(customerId, 'race-in');
    expectStatus(
      await world.admin.post(`/api/v1/services/${leaving.id}/routing`, { configureDns: true }),
      202,
    );
    const first = (await waitForWorkflow(
      world.admin,
      leaving.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    )) as Run;
    expect(first.status, JSON.stringify(first.steps)).toBe('succeeded');

    // Teams answers slowly, so each voice-routing step spends seconds reading before it writes; the offboarding
    // starts while the onboarding's voice-routing step runs.
    world.emu.control.setFaults({ latencyMs: 700, surfaces: ['teams'] });
    expectStatus(
      await world.admin.post(`/api/v1/services/${joining.id}/routing`, { configureDns: true }),
      202,
    );
    await eventually(
      "the joining service's voice-routing step to run",
      async () =>
        (
          await queryRows<{ status: string }>(
            db(),
            sql`select s.status from workflow_steps s join workflows w on w.id = s.workflow_id
                where w.service_id = ${joining.id} and s.name = 'voice-routing' and s.status = 'running'`,
          )
        ).length > 0,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    expectStatus(
      await world.admin.post(`/api/v1/services/${leaving.id}/offboarding`, { confirmShortName: 'race-out' }),
      202,
    );

    const [joined, left] = (await Promise.all([
      waitForWorkflow(
        world.admin,
        joining.id,
        (w) => w.status === 'succeeded' || w.status === 'failed',
        60_000,
      ),
      waitForWorkflow(
        world.admin,
        leaving.id,
        (w) => (w as Run).kind === 'offboard' && (w.status === 'succeeded' || w.status === 'failed'),
        60_000,
      ),
    ])) as [Run, Run];
    expect(joined.status, JSON.stringify(joined.steps)).toBe('succeeded');
    expect(left.status, JSON.stringify(left.steps)).toBe('succeeded');

    const teams = world.emu.control.tenant('contoso').teams;
    const route = teams.OnlineVoiceRoute.find((r) => r.Identity === 'Trunkline');
    expect(route?.OnlinePstnGatewayList, JSON.stringify(teams)).toEqual([joining.trunkFqdn]);
    expect(teams.OnlinePstnUsages).toContain('Trunkline');
    expect(
      teams.OnlineVoiceRoutingPolicy.find((p) => String(p.Identity).endsWith('Unrestricted'))
        ?.OnlinePstnUsages,
    ).toContain('Trunkline');
    expect(teams.OnlinePSTNGateway.map((g) => g.Identity)).not.toContain(leaving.trunkFqdn);
  });
});
