import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';

/**
 * Access tokens are reused per tenant and resource until shortly before they expire (connections/tenant-access.ts):
 * one onboarding asks Entra for at most one token per resource it calls (Graph, the Teams admin API), however many
 * steps use them. Counted in the Microsoft emulator's request log.
 */
describe('token reuse', () => {
  let world: RoutingWorld;
  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
  });
  afterAll(() => world?.close());

  const tokenRequests = () =>
    world.emu.control
      .requests({ tenant: 'contoso', surface: 'identity' })
      .filter((r) => r.method === 'POST' && r.path.endsWith('/token'));

  it('makes at most one token request per resource in one onboarding, and none in a second run', async () => {
    const customerId = expectStatus(await world.admin.post('/api/v1/customers', { name: 'Token reuse' }), 201)
      .id as string;
    const svc = await world.connectedService(customerId, 'tokens');
    world.emu.control.clearRequests();

    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const run = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
      60_000,
    )) as Run;
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    const calls = world.emu.control
      .requests({ tenant: 'contoso' })
      .filter((r) => r.surface === 'graph' || r.surface === 'teams');
    const tokens = tokenRequests();
    // Graph and the Teams admin API: two resources; the steps made many calls with them.
    expect(calls.length).toBeGreaterThan(5);
    expect(
      tokens.length,
      tokens.map((r) => `${r.method} ${r.path} ${r.status}`).join('\n'),
    ).toBeLessThanOrEqual(2);

    // A second run of the same service within the tokens' lifetime asks for none.
    world.emu.control.clearRequests();
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/repair`, {}), 202);
    const again = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => (w as Run).id !== run.id && (w.status === 'succeeded' || w.status === 'failed'),
      60_000,
    )) as Run;
    expect(again.status, JSON.stringify(again.steps)).toBe('succeeded');
    expect(tokenRequests()).toEqual([]);
  });
});
