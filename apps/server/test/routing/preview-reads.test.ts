import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import {
  startRoutingWorld,
  tenantState,
  waitForWorkflow,
  type RoutingWorld,
  type Run,
} from '../support/routing.ts';

/**
 * The run uses the plan preview's read of the trunk domain (issue #14, critical path): the preview that
 * `POST /routing` makes saw the domain absent moments ago, so the domain step's first attempt adds it without
 * reading it again (the add itself checks: Microsoft refuses a duplicate). Any later attempt reads again. Counted in
 * the Microsoft emulator's request log.
 */
describe('the plan preview read of the trunk domain, reused by the run', () => {
  let world: RoutingWorld;
  let customerId: string;
  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
    customerId = expectStatus(await world.admin.post('/api/v1/customers', { name: 'Preview reads' }), 201)
      .id as string;
  });
  afterAll(() => world?.close());

  /** The run's reads of the domain: up to its end (the health check queued after the run reads it too). */
  type Finished = Run & { finishedAt: string | null };
  const domainReads = (fqdn: string, run: Finished) =>
    world.emu.control
      .requests({ tenant: 'contoso', surface: 'graph' })
      .filter(
        (r) =>
          r.method === 'GET' &&
          r.path.split('?')[0]!.endsWith(`/domains/${fqdn}`) &&
          Date.parse(r.at) <= Date.parse(run.finishedAt!),
      );

  const onboard = async (serviceId: string) => {
    expectStatus(
      await world.admin.post(`/api/v1/services/${serviceId}/routing`, { configureDns: true }),
      202,
    );
    return (await waitForWorkflow(
      world.admin,
      serviceId,
      (w) => w.status === 'succeeded' || w.status === 'failed',
      60_000,
    )) as Finished;
  };

  it('reads GET domains/{fqdn} once per onboarding (the preview), where it read it twice', async () => {
    const svc = await world.connectedService(customerId, 'reads-1');
    world.emu.control.clearRequests();
    const run = await onboard(svc.id);
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    // The preview's read only: the domain step's first attempt added the domain without reading it first.
    expect(domainReads(svc.trunkFqdn, run)).toHaveLength(1);
    const domain = run.steps.find((s) => s.name === 'domain')!;
    expect(domain.attempts).toBe(1);
    expect(domain.message).toMatch(/added to the tenant and verified/);
    expect(tenantState(world).domains).toContain(`${svc.trunkFqdn}:true`);
  }, 90_000);

  it('reads the domain again on a later attempt (here: after waiting for replication)', async () => {
    const svc = await world.connectedService(customerId, 'reads-2');
    world.emu.control.clearRequests();
    // A new domain is not readable on every replica for its next two reads: the step waits, then tries again.
    world.emu.control.setReplication({ domain: 2 });
    try {
      const run = await onboard(svc.id);
      expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
      const domain = run.steps.find((s) => s.name === 'domain')!;
      expect(domain.attempts).toBeGreaterThanOrEqual(2);
      // The preview's read, and at least one by a later attempt of the step.
      expect(domainReads(svc.trunkFqdn, run).length).toBeGreaterThanOrEqual(2);
      expect(tenantState(world).domains).toContain(`${svc.trunkFqdn}:true`);
    } finally {
      world.emu.control.setReplication(0);
    }
  }, 90_000);
});
