import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import type { startHoldingProxy } from '../support/holding-proxy.ts';
import {
  startRoutingWorldBehindTeamsProxy,
  waitForWorkflow,
  type RoutingWorld,
  type Run,
} from '../support/routing.ts';

/**
 * A service whose voice-routing step waits for Microsoft to accept its gateway (Teams activation: up to a day) is
 * checked again and again. That check is one write Microsoft refuses while the gateway is not accepted, and it does
 * not take its tenant's turn (`claimTeamsStep`): with many waiting services per tenant, checks that took turns kept
 * hundreds of them waiting for the tenant instead (docs/BENCHMARKS.md, "Waiting cheaply"). Only once Microsoft
 * accepts the gateway does the step take the turn, read the tenant and write the rest.
 *
 * The Teams admin API is reached through a proxy that can hold a request's answer (Microsoft has answered).
 */
describe('a check of a service waiting for Teams activation', () => {
  let world: RoutingWorld;
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
  let customerId: string;

  beforeAll(async () => {
    ({ world, proxy } = await startRoutingWorldBehindTeamsProxy());
    customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Gateway checks customer' }),
      201,
    ).id;
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.close();
  });

  const run = async (serviceId: string) =>
    expectStatus(await world.admin.get(`/api/v1/services/${serviceId}/routing`), 200) as Run;
  const voice = (r: Run) => r.steps.find((s) => s.name === 'voice-routing')!;
  const ACTIVATION = /does not accept .* as a gateway yet/;
  const waitsForActivation = async (serviceId: string) => {
    const step = voice(await run(serviceId));
    return step.status === 'waiting' && ACTIVATION.test(step.message ?? '');
  };
  const teamsCalls = () =>
    world.emu.control.requests({ tenant: 'contoso', surface: 'teams' }).map((r) => `${r.method} ${r.path}`);

  let waiting: { id: string; trunkFqdn: string }[] = [];

  it("does not hold up the tenant's other runs while Microsoft answers it", async () => {
    world.emu.control.setSettings({ teamsActivationDelaySeconds: 3600 });
    waiting = [
      await world.connectedService(customerId, 'gw-first'),
      await world.connectedService(customerId, 'gw-second'),
    ];
    for (const svc of waiting)
      expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    for (const svc of waiting)
      await eventually(`${svc.id} to wait for the activation`, () => waitsForActivation(svc.id), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });

    // The next Teams write is a check of one of them (every step of the tenant waits): its answer is held.
    const held = proxy.hold((req) => req.method !== 'GET', 'answer');
    await held.arrived;
    const joining = await world.connectedService(customerId, 'gw-joining');
    expectStatus(
      await world.admin.post(`/api/v1/services/${joining.id}/routing`, { configureDns: true }),
      202,
    );
    // While that check is still unanswered, the new service's voice-routing step runs (it changes the tenant:
    // the usage is there, the route is refused) and waits for the activation as well, not for the tenant.
    await eventually(
      "the joining service's voice-routing step to run",
      () => waitsForActivation(joining.id),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    held.release();
    waiting.push(joining);
  }, 120_000);

  it('is two Teams calls: the connect handshake and the write Microsoft refuses', async () => {
    const attempts = async () => {
      let sum = 0;
      for (const svc of waiting) {
        const step = voice(await run(svc.id));
        if (step.status !== 'waiting') return null;
        sum += step.attempts;
      }
      return sum;
    };
    let before: number | null = null;
    await eventually('every step to be waiting', async () => (before = await attempts()) !== null);
    world.emu.control.clearRequests();
    let after = 0;
    await eventually(
      'three checks to be made and answered',
      async () => {
        const now = await attempts();
        if (now === null || now < before! + 3) return false;
        after = now;
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const checks = after - before!;
    const calls = teamsCalls();
    expect(calls.filter((c) => c === 'GET /teams/Teams.Tenant/serviceDiscovery')).toHaveLength(checks);
    expect(
      calls.filter((c) => c === 'POST /teams/Skype.Policy/configurations/OnlineVoiceRoute'),
    ).toHaveLength(checks);
    expect(calls).toHaveLength(2 * checks);
  }, 120_000);

  it('takes the turn once Microsoft accepts the gateway, and every service ends with its trunk on the route', async () => {
    world.emu.control.setSettings({ teamsActivationDelaySeconds: 0 });
    for (const svc of waiting) {
      const done = (await waitForWorkflow(
        world.admin,
        svc.id,
        (w) => w.status === 'succeeded' || w.status === 'failed',
        60_000,
      )) as Run;
      expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    }
    const teams = world.emu.control.tenant('contoso').teams;
    const route = teams.OnlineVoiceRoute.find((r) => r.Identity === 'Trunkline')!;
    expect([...(route.OnlinePstnGatewayList as string[])].sort()).toEqual(
      waiting.map((s) => s.trunkFqdn.toLowerCase()).sort(),
    );
    // The policy the plan names lists the route's usage (created by whichever step held the turn first).
    const [usage] = route.OnlinePstnUsages as string[];
    const policy = teams.OnlineVoiceRoutingPolicy.find((p) => p.Identity === 'Tag:Unrestricted');
    expect(policy?.OnlinePstnUsages).toEqual([usage]);
    expect(teams.OnlinePstnUsages).toContain(usage);
  }, 120_000);

  it('and an offboarding of the tenant do not run together: its removals are decided from reads the check could change', async () => {
    world.emu.control.setSettings({ teamsActivationDelaySeconds: 3600 });
    const waiter = await world.connectedService(customerId, 'gw-waiter');
    expectStatus(
      await world.admin.post(`/api/v1/services/${waiter.id}/routing`, { configureDns: true }),
      202,
    );
    await eventually(`${waiter.id} to wait for the activation`, () => waitsForActivation(waiter.id), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    // Its check adds its trunk to the tenant's route (which the others made): the answer is held.
    const held = proxy.hold((req) => req.method !== 'GET', 'answer');
    await held.arrived;
    const leaving = waiting[0]!;
    expectStatus(
      await world.admin.post(`/api/v1/services/${leaving.id}/offboarding`, {
        confirmShortName: 'gw-first',
      }),
      202,
    );
    await eventually(
      "the leaving service's voice-routing step to wait for the tenant",
      async () => {
        const r = await run(leaving.id);
        const step = voice(r);
        return r.kind === 'offboard' && step.status === 'waiting' && /another run/.test(step.message ?? '');
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    // Microsoft accepts every gateway from now on (the emulator's delay is one setting for all domains: kept at an
    // hour, it would refuse the route's other trunks again on the offboarding's write too).
    world.emu.control.setSettings({ teamsActivationDelaySeconds: 0 });
    held.release();
    const left = (await waitForWorkflow(
      world.admin,
      leaving.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
      60_000,
    )) as Run;
    expect(left.status, JSON.stringify(left.steps)).toBe('succeeded');

    const joined = (await waitForWorkflow(
      world.admin,
      waiter.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
      60_000,
    )) as Run;
    expect(joined.status, JSON.stringify(joined.steps)).toBe('succeeded');
    const route = world.emu.control
      .tenant('contoso')
      .teams.OnlineVoiceRoute.find((r) => r.Identity === 'Trunkline')!;
    expect([...(route.OnlinePstnGatewayList as string[])].sort()).toEqual(
      [...waiting.slice(1), waiter].map((s) => s.trunkFqdn.toLowerCase()).sort(),
    );
  }, 180_000);
});
