import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';

/** A run as the API answers it, with each step's retry history. */
type StepsWithRetries = Omit<Run, 'steps'> & {
  steps: (Run['steps'][number] & { retries: { at: string; reason: string }[] })[];
};

/**
 * Microsoft's identity platform failing for a moment (a 429 or 5xx from the token endpoint) while a routing step
 * needs a token is a passing failure like Graph's: the step is tried again, not failed (fault storms, #14).
 */
describe('the token endpoint failing during a run', () => {
  let world: RoutingWorld;
  beforeAll(async () => {
    world = await startRoutingWorld();
    await world.saveSettings();
  });
  afterAll(() => world?.close());

  it('tries the step again and completes, with the failure in the step history', async () => {
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Token customer' }),
      201,
    ).id as string;
    const svc = await world.connectedService(customerId, 'token-storm');
    // More refusals than the token exchange's own retries (it tries the stored refresh token four times).
    world.emu.control.setFaults({ errorRate: 1, errorStatuses: [503], surfaces: ['identity'], seed: 1 });
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const failed = (await waitForWorkflow(world.admin, svc.id, (w) =>
      w.steps.some((s) => s.status === 'waiting' || s.status === 'failed'),
    )) as StepsWithRetries;
    const step = failed.steps.find((s) => s.status === 'waiting' || s.status === 'failed')!;
    expect(step.status, step.lastError ?? '').toBe('waiting');
    expect(step.lastError).toMatch(/trying again/);
    world.emu.control.setFaults({ errorRate: 0 });
    const done = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    )) as StepsWithRetries;
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    expect(done.steps.find((s) => s.name === step.name)!.retries.map((r) => r.reason)).toContainEqual(
      expect.stringMatching(/trying again/),
    );
  });
});
