import { seedWithTenants } from '@trunkline/emulator-m365';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';

/**
 * Microsoft throttling one tenant hard must not hold a worker slot: the throttled step gives it back (a delayed
 * job at Retry-After, recorded in the step) and another tenant's run goes through meanwhile. One worker slot, so
 * a job that slept through Retry-After would hold up the other run for the whole wait.
 */
describe('throttling gives the worker slot back', () => {
  let world: RoutingWorld;

  beforeAll(async () => {
    world = await startRoutingWorld({
      seed: seedWithTenants(['tailspin']),
      env: { WORKER_CONCURRENCY: '1' },
    });
    world.emu.control.consent('tailspin');
    await world.saveSettings();
  });
  afterAll(() => world?.close());

  async function connected(shortName: string, tenant: string) {
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: `Customer ${shortName}` }),
      201,
    ).id as string;
    const admin = world.emu.control.tenant(tenant).users[0]!;
    const svc = expectStatus(
      await world.admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: `Throttle ${shortName}`,
        shortName,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 5,
        adminAuth: { method: 'credentials', username: admin.userPrincipalName, password: 'Contoso-Admin-1!' },
      }),
      201,
    ) as { id: string; connection: { state: string; message: string } };
    expect(svc.connection.state, svc.connection.message).toBe('connected');
    await eventually(`the Teams role check of ${shortName}`, async () => {
      const c = expectStatus(await world.admin.get(`/api/v1/services/${svc.id}/connection`), 200);
      return c.teamsRole.state !== 'unknown';
    });
    return svc.id;
  }

  it("reschedules the throttled tenant's step at Retry-After while another tenant's run completes", async () => {
    const hot = await connected('hot-tenant', 'contoso');
    const calm = await connected('calm-tenant', 'tailspin');
    // Every Graph and Teams call to contoso answers 429 with a minute's Retry-After.
    world.emu.control.throttle({ tenant: 'contoso', count: 10_000, retryAfterSeconds: 60 });

    expectStatus(await world.admin.post(`/api/v1/services/${hot}/routing`, { configureDns: true }), 202);
    const throttled = (await waitForWorkflow(world.admin, hot, (w) =>
      w.steps.some((s) => s.status === 'waiting'),
    )) as Run;
    const step = throttled.steps.find((s) => s.status === 'waiting')!;
    expect(step.lastError).toMatch(/Retry-After/);
    expect(step.attempts).toBe(0);
    const throttledCalls = () =>
      world.emu.control
        .requests({ tenant: 'contoso' })
        .filter((r) => r.status === 429 && r.surface !== 'identity').length;
    const asked = throttledCalls();
    expect(asked).toBeGreaterThanOrEqual(1);
    const due = Date.parse(step.nextAttemptAt!) - Date.now();
    expect(due).toBeGreaterThan(40_000);
    expect(due).toBeLessThanOrEqual(61_000);

    // The other tenant's run starts after and finishes while contoso still waits for Microsoft.
    const started = Date.now();
    expectStatus(await world.admin.post(`/api/v1/services/${calm}/routing`, { configureDns: true }), 202);
    const done = (await waitForWorkflow(
      world.admin,
      calm,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    )) as Run;
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    expect(Date.now() - started).toBeLessThan(20_000);
    const still = expectStatus(await world.admin.get(`/api/v1/services/${hot}/routing`), 200) as Run;
    expect(still.status).toBe('waiting');

    // Within Microsoft's Retry-After nothing more was sent to contoso: the gate holds its calls back.
    expect(throttledCalls()).toBe(asked);
  });
});
