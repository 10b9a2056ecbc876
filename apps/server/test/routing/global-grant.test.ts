import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { globalDefault } from '../support/ownership.ts';
import {
  startRoutingWorld,
  tenantState,
  waitForWorkflow,
  type RoutingWorld,
  type Run,
} from '../support/routing.ts';

type World = RoutingWorld;

describe("default routing with the policy granted as the tenant's global default", () => {
  let world: World;

  beforeAll(async () => {
    world = await startRoutingWorld();
  });
  afterAll(() => world?.close());

  it('grants it when onboarding, changes nothing on a second run, and offboarding restores the previous default', async () => {
    const saved = await world.saveSettings({ grantGlobalPolicy: true });
    expect(saved.grantGlobalPolicy).toBe(true);
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Global grant customer' }),
      201,
    ).id;
    const svc = await world.connectedService(customerId, 'grant-1');
    const before = tenantState(world);
    expect(await globalDefault(world)).toBeNull();

    // The preview names the grant and says that the current default cannot be read back.
    const plan = expectStatus(
      await world.admin.get(`/api/v1/services/${svc.id}/routing/plan?configureDns=true`),
      200,
    );
    expect(plan.changes).toContainEqual({
      area: 'teams',
      object: 'global-policy',
      identity: 'Unrestricted',
      action: 'update',
      detail:
        "Grant voice routing policy 'Unrestricted' as the tenant's global default (the Teams admin API cannot read the tenant's current global default back, so Trunkline records that it granted this policy; offboarding reverts it to the Global policy instance)",
    });

    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const run = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    )) as Run;
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    expect(run.steps.find((s) => s.name === 'voice-routing')!.message).toContain(
      "Grant voice routing policy 'Unrestricted' as the tenant's global default",
    );
    expect(await globalDefault(world)).toBe('Unrestricted');
    const policy = world.emu.control
      .tenant('contoso')
      .teams.OnlineVoiceRoutingPolicy.find((p) => p.Identity === 'Tag:Unrestricted');
    expect(policy).toMatchObject({ OnlinePstnUsages: ['Trunkline'] });

    // A second run writes nothing to Teams but the grant again (it cannot be read back; granting is idempotent),
    // and never asks for the grant: the Teams admin API has no such read (the emulator answers it 404).
    const middle = tenantState(world);
    world.emu.control.clearRequests();
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const again = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => (w as Run).id !== run.id && (w.status === 'succeeded' || w.status === 'failed'),
    )) as Run;
    expect(again.status, JSON.stringify(again.steps)).toBe('succeeded');
    expect(again.steps.find((s) => s.name === 'voice-routing')!.message).toContain(
      "Grant voice routing policy 'Unrestricted' as the tenant's global default",
    );
    const teamsRequests = world.emu.control.requests({ tenant: 'contoso', surface: 'teams' });
    expect(
      teamsRequests
        .filter((r) => r.method !== 'GET' || r.path.includes('/tenants/policies'))
        .map((r) => `${r.method} ${r.path} ${r.status}`),
    ).toEqual(['PATCH /teams/Skype.Policy/tenants/policies/OnlineVoiceRoutingPolicy 200']);
    expect(tenantState(world)).toEqual(middle);
    expect(await globalDefault(world)).toBe('Unrestricted');

    // Offboarding removes the route, then reverts the grant (it is still ours) before removing the policy.
    expectStatus(
      await world.admin.post(`/api/v1/services/${svc.id}/offboarding`, { confirmShortName: 'grant-1' }),
      202,
    );
    const off = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => (w as Run).kind === 'offboard' && (w.status === 'succeeded' || w.status === 'failed'),
    )) as Run;
    expect(off.status, JSON.stringify(off.steps)).toBe('succeeded');
    expect(off.steps.find((s) => s.name === 'voice-routing')!.message).toMatch(
      /^Remove voice route 'Trunkline'; Revert the tenant's global default from voice routing policy 'Unrestricted' to the Global policy instance \(the Teams admin API cannot read .*; the record decides\); Remove voice routing policy 'Unrestricted'/,
    );
    expect(await globalDefault(world)).toBeNull();
    expect(tenantState(world)).toEqual(before);
  });
});
