import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import type { startHoldingProxy } from '../support/holding-proxy.ts';
import {
  startRoutingWorldBehindTeamsProxy,
  tenantState,
  waitForWorkflow,
  type RoutingWorld,
  type Run,
} from '../support/routing.ts';

/**
 * A service joins the tenant's shared Teams objects (another service of the tenant created the PSTN usage, the
 * route and the policy) and its voice-routing step is cut off right after it added its trunk to the route: the
 * route's answer never reaches Trunkline (the connection drops after Microsoft applied the change, as when the
 * worker dies there). Its record names only the route then. While it waits to try again, the creator leaves and
 * hands its claims over. Found by the 50-kill crash test (seed 670662358): the claims on the usage and the policy
 * went only to services whose record already named them, so nobody held them, and the last service to leave the
 * tenant removed the route but left the usage and the policy behind.
 *
 * The Teams admin API is reached through a holding proxy (support/holding-proxy.ts) that holds the joining service's route write (after
 * Microsoft applied it) until the creator's offboarding waits for the tenant, then drops the connection.
 */
describe('claims on the shared Teams objects reach a service whose voice-routing step was cut off', () => {
  let world: RoutingWorld;
  let customerId: string;
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;

  beforeAll(async () => {
    // The cut-off step tries again after 8 s; the offboarding waiting for the tenant looks every 2 s.
    ({ world, proxy } = await startRoutingWorldBehindTeamsProxy({ ROUTING_RETRY_BASE_SECONDS: '8' }));
    // One customer: a tenant belongs to one customer.
    customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Hand-over customer' }),
      201,
    ).id;
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.close();
  });

  const finished = (kind: string) => (w: { status: string }) =>
    (w as Run).kind === kind && (w.status === 'succeeded' || w.status === 'failed');

  it('the last service to leave removes the usage, route and policy the first one created', async () => {
    const creator = await world.connectedService(customerId, 'claims-first');
    const joining = await world.connectedService(customerId, 'claims-second');
    const before = tenantState(world);

    expectStatus(
      await world.admin.post(`/api/v1/services/${creator.id}/routing`, { configureDns: true }),
      202,
    );
    const created = (await waitForWorkflow(world.admin, creator.id, finished('onboard'), 60_000)) as Run;
    expect(created.status, JSON.stringify(created.steps)).toBe('succeeded');

    // The joining service's route write: Microsoft applies it, its answer is lost once the test releases it.
    const held = proxy.hold(
      (req) => req.method === 'PUT' && /\/OnlineVoiceRoute\/configuration\//.test(req.url ?? ''),
      'drop',
    );
    expectStatus(
      await world.admin.post(`/api/v1/services/${joining.id}/routing`, { configureDns: true }),
      202,
    );
    await held.arrived;
    const route = () =>
      world.emu.control.tenant('contoso').teams.OnlineVoiceRoute.find((r) => r.Identity === 'Trunkline');
    expect(route()?.OnlinePstnGatewayList).toEqual([creator.trunkFqdn, joining.trunkFqdn]);

    // The creator leaves; its voice-routing step waits for the tenant while the joining service's step holds it.
    expectStatus(
      await world.admin.post(`/api/v1/services/${creator.id}/offboarding`, {
        confirmShortName: creator.shortName,
      }),
      202,
    );
    await eventually(
      "the creator's offboarding to wait for the tenant",
      async () => {
        const run = expectStatus(await world.admin.get(`/api/v1/services/${creator.id}/routing`), 200) as Run;
        const step = run.steps.find((s) => s.name === 'voice-routing');
        return run.kind === 'offboard' && step?.status === 'waiting';
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    held.release();

    const left = (await waitForWorkflow(world.admin, creator.id, finished('offboard'), 60_000)) as Run;
    expect(left.status, JSON.stringify(left.steps)).toBe('succeeded');
    const joined = (await waitForWorkflow(world.admin, joining.id, finished('onboard'), 60_000)) as Run;
    expect(joined.status, JSON.stringify(joined.steps)).toBe('succeeded');
    // The cut-off attempt was tried again after the creator had left (the claims went to a record naming only
    // the route), which is the order this test is about.
    const voice = joined.steps.find((s) => s.name === 'voice-routing')!;
    expect(voice.attempts, JSON.stringify(voice)).toBe(2);
    expect(route()?.OnlinePstnGatewayList).toEqual([joining.trunkFqdn]);

    expectStatus(
      await world.admin.post(`/api/v1/services/${joining.id}/offboarding`, {
        confirmShortName: joining.shortName,
      }),
      202,
    );
    const last = (await waitForWorkflow(world.admin, joining.id, finished('offboard'), 60_000)) as Run;
    expect(last.status, JSON.stringify(last.steps)).toBe('succeeded');
    // No usage, route or policy left: the tenant is as it was before the first service came.
    const teams = world.emu.control.tenant('contoso').teams;
    expect(
      {
        usages: teams.OnlinePstnUsages,
        routes: teams.OnlineVoiceRoute.map((r) => r.Identity),
        policies: teams.OnlineVoiceRoutingPolicy.map((p) => p.Identity),
      },
      JSON.stringify(last.steps),
    ).toEqual({
      usages: JSON.parse(before.teams).OnlinePstnUsages,
      routes: JSON.parse(before.teams).OnlineVoiceRoute.map((r: { Identity: string }) => r.Identity),
      policies: JSON.parse(before.teams).OnlineVoiceRoutingPolicy.map(
        (p: { Identity: string }) => p.Identity,
      ),
    });
    expect(tenantState(world)).toEqual(before);
  });

  it('hands over claims kept in the records written before the typed outcomes (a list of what Trunkline created)', async () => {
    const first = await world.connectedService(customerId, 'legacy-first');
    const second = await world.connectedService(customerId, 'legacy-second');
    const before = tenantState(world);
    for (const svc of [first, second]) {
      expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
      const done = (await waitForWorkflow(world.admin, svc.id, finished('onboard'), 60_000)) as Run;
      expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    }
    // The records as an older Trunkline wrote them: the first service created the route and the policy, the
    // second the usage (each list names only what it created).
    const legacy = async (serviceId: string, created: string[]) =>
      queryRows(
        world.server.runtime.handle.db,
        sql`update workflow_steps s set outcome = ${JSON.stringify({ created })}::jsonb from workflows w
            where w.id = s.workflow_id and w.service_id = ${serviceId} and s.name = 'voice-routing'
            returning s.name`,
      );
    expect(
      await legacy(first.id, ['voice-route:Trunkline', 'voice-routing-policy:Unrestricted']),
    ).toHaveLength(1);
    expect(await legacy(second.id, ['pstn-usage:Trunkline'])).toHaveLength(1);

    for (const svc of [first, second]) {
      expectStatus(
        await world.admin.post(`/api/v1/services/${svc.id}/offboarding`, { confirmShortName: svc.shortName }),
        202,
      );
      const done = (await waitForWorkflow(world.admin, svc.id, finished('offboard'), 60_000)) as Run;
      expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    }
    expect(tenantState(world)).toEqual(before);
  });
});
