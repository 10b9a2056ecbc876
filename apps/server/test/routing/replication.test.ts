import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed } from '@trunkline/emulator-m365';
import { expectStatus } from '../support/client.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';

/**
 * Default routing against a directory that replicates (issue #12, item 1) and a Teams side that wants a qualifying
 * licence on the new domain (item 3). Each read-after-write of the run meets Microsoft's 404 for the object just
 * created; the run waits (visibly, bounded) and reaches "succeeded". Against the old, consistent emulator these
 * runs never wait, and with the old product they fail at the first 404.
 */

const E3 = loadDefaultSeed()
  .tenants.find((t) => t.name === 'contoso')!
  .subscribedSkus.find((s) => s.skuPartNumber === 'ENTERPRISEPACK')!.skuId;

describe('default routing while Microsoft replicates new objects', () => {
  let world: RoutingWorld;
  let customerId: string;

  beforeAll(async () => {
    world = await startRoutingWorld();
    customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Replication customer' }),
      201,
    ).id;
  });
  afterAll(() => world?.close());

  it('waits for the new domain and the new user to replicate, shows why in the step, and finishes', async () => {
    // The provider's old preference list starts with Teams Phone (MCOEV), which does not activate a domain.
    await world.saveSettings({
      activationUser: {
        localPart: 'trunkline-activation',
        usageLocation: 'US',
        skus: ['MCOEV', 'ENTERPRISEPACK'],
      },
    });
    const svc = await world.connectedService(customerId, 'replica-1');
    world.emu.control.setReplication({ domain: 2, user: 2, licenseAssignment: 2 });
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);

    const seen = new Set<string>();
    const done = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => {
        for (const s of (w as Run).steps)
          if (s.status === 'waiting' && s.message?.includes("Microsoft's directory does not show"))
            seen.add(s.name);
        return w.status === 'succeeded' || w.status === 'failed';
      },
      40_000,
    )) as Run;
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    const step = (name: string) => done.steps.find((s) => s.name === name)!;
    // Each waited at least once for replication (the retries are the step's attempts), then succeeded.
    expect(step('domain').attempts).toBeGreaterThanOrEqual(2);
    expect(step('activation').attempts).toBeGreaterThanOrEqual(2);
    expect([...seen].sort()).toEqual(['activation', 'domain']);
    expect(step('activation').message).toMatch(/with ENTERPRISEPACK: the domain is activated/);

    const user = world.emu.control
      .tenant('contoso')
      .users.find((u) => u.userPrincipalName === `trunkline-activation@${svc.trunkFqdn}`)!;
    expect(user.assignedLicenses.map((l) => l.skuId)).toEqual([E3]);
    world.emu.control.setReplication(0);
  }, 60_000);
});
