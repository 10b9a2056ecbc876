import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import {
  NAMES,
  prepare,
  resetTenant,
  wholeState,
  type PreExisting,
  type WholeState,
} from '../support/ownership.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';

/**
 * Offboarding removes only what Trunkline recorded as its own and puts back what it changed: whatever the
 * customer's tenant and the zone held before onboarding is there, unchanged, after offboarding.
 */
describe('offboarding never removes what the customer owned', () => {
  let world: RoutingWorld;
  let customerId: string;
  let n = 0;

  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings({ grantGlobalPolicy: true });
    customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Ownership customer' }),
      201,
    ).id;
  });
  afterAll(() => world?.close());

  const finished = (w: { status: string }) => w.status === 'succeeded' || w.status === 'failed';

  async function onboard(serviceId: string) {
    expectStatus(
      await world.admin.post(`/api/v1/services/${serviceId}/routing`, { configureDns: true }),
      202,
    );
    const run = (await waitForWorkflow(
      world.admin,
      serviceId,
      (w) => (w as Run).kind === 'onboard' && finished(w),
    )) as Run;
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    return run;
  }

  async function offboard(serviceId: string, shortName: string, after?: string) {
    expectStatus(
      await world.admin.post(`/api/v1/services/${serviceId}/offboarding`, { confirmShortName: shortName }),
      202,
    );
    const run = (await waitForWorkflow(
      world.admin,
      serviceId,
      (w) => (w as Run).kind === 'offboard' && (w as Run).id !== after && finished(w),
    )) as Run;
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    return run;
  }

  /** A fresh contoso, a new service, and `pre` in place; answers the service and the state before onboarding. */
  async function scenario(pre: PreExisting) {
    resetTenant(world);
    const shortName = `own-${++n}`;
    const svc = await world.connectedService(customerId, shortName);
    await prepare(world, svc.trunkFqdn, pre);
    return { svc, shortName, before: await wholeState(world) };
  }

  it("keeps the customer's activation user and its licence when the tenant already held the trunk domain and the user", async () => {
    const { svc, shortName, before } = await scenario({
      dns: 'none',
      domain: true,
      user: true,
      licence: true,
      usage: false,
      route: false,
      policy: false,
      grant: false,
    });
    const upn = `${NAMES.localPart}@${svc.trunkFqdn}`;
    const held = () =>
      world.emu.control.tenant('contoso').users.find((u) => u.userPrincipalName === upn)?.assignedLicenses;
    expect(held()).toHaveLength(1);

    await onboard(svc.id);
    const off = await offboard(svc.id, shortName);

    expect(off.steps.find((s) => s.name === 'activation')!.message).toMatch(/there before Trunkline/);
    expect(held(), `${upn} must still exist`).toHaveLength(1);
    expect(await wholeState(world)).toEqual(before);
  });

  it('onboard → offboard leaves the tenant and the zone exactly as before, for any pre-existing subset; a second offboard changes nothing', async () => {
    const preExisting = fc
      .record({
        dns: fc.constantFrom('none' as const, 'same' as const, 'other' as const),
        domain: fc.boolean(),
        user: fc.boolean(),
        licence: fc.boolean(),
        usage: fc.boolean(),
        route: fc.boolean(),
        policy: fc.boolean(),
        grant: fc.boolean(),
      })
      // A user needs its domain, a licence its user.
      .map((p) => ({ ...p, user: p.user || p.licence, domain: p.domain || p.user || p.licence }));
    /**
     * The one documented exception: the Teams admin API has no read of the tenant-wide grant, so Trunkline cannot
     * know a global default the customer had granted before (the plan preview says so); offboarding reverts its own
     * grant to the Global policy instance, so such a default ends as the Global instance. Everything else is as
     * before.
     */
    const expectedAfter = (before: WholeState, pre: PreExisting): WholeState =>
      pre.grant
        ? {
            ...before,
            globalPolicy: null,
            tenant: {
              ...before.tenant,
              teams: { ...before.tenant.teams, GlobalPolicies: { OnlineVoiceRoutingPolicy: null } },
            },
          }
        : before;
    await fc.assert(
      fc.asyncProperty(preExisting, async (pre) => {
        const { svc, shortName, before } = await scenario(pre);
        await onboard(svc.id);
        const off = await offboard(svc.id, shortName);
        expect(await wholeState(world)).toEqual(expectedAfter(before, pre));
        await offboard(svc.id, shortName, off.id);
        expect(await wholeState(world)).toEqual(expectedAfter(before, pre));
      }),
      { numRuns: 12 },
    );
  }, 300_000);
});
