import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
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
 * The voice-routing steps of one tenant take turns (claimTeamsStep). A step that finds the tenant held waits and
 * comes back 2 s later; the run that held the tenant now wakes it as its own step ends, so the turn passes at once
 * (with 50 services of one tenant, the 2-second poll was most of their voice-routing time). The 2-second poll stays
 * the fallback.
 *
 * The Teams admin API is reached through a proxy that holds the first service's first Teams write (the PSTN
 * usage) until the test releases it: meanwhile the second service's voice-routing step is refused the tenant. The
 * test releases the write right after a refusal (its next poll is ~2 s away) and counts the second step's claim
 * attempts and the time until it holds the tenant.
 */
describe('a voice-routing step that ends wakes the next one of its tenant', () => {
  let world: RoutingWorld;
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;

  beforeAll(async () => {
    ({ world, proxy } = await startRoutingWorldBehindTeamsProxy());
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.close();
  });

  const db = () => world.server.runtime.handle.db;
  const voiceStep = async (serviceId: string) =>
    (
      await queryRows<{ status: string; message: string | null; next_attempt_at: string | null }>(
        db(),
        sql`select s.status, s.message, s.next_attempt_at from workflow_steps s join workflows w on w.id = s.workflow_id
            where w.service_id = ${serviceId} and s.name = 'voice-routing'`,
      )
    )[0];
  /** The routing jobs of the service's run: its first, then one per wait (a refused claim is one). */
  const jobs = async (serviceId: string) =>
    (
      await queryRows<{ n: number }>(
        db(),
        sql`select count(*)::int as n from pgboss.job j join workflows w on w.id::text = j.data->>'workflowId'
            where j.name = 'routing.run' and w.service_id = ${serviceId}`,
      )
    )[0]!.n;

  it('the waiting step holds the tenant within a second of the holder ending, not at its next 2-second poll', async () => {
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Turns customer' }),
      201,
    ).id;
    const first = await world.connectedService(customerId, 'turns-first');
    const second = await world.connectedService(customerId, 'turns-second');

    // The first Teams write (the PSTN usage): its answer waits until the test releases it.
    const held = proxy.hold((req) => req.method !== 'GET' && req.method !== 'HEAD', 'answer');
    expectStatus(await world.admin.post(`/api/v1/services/${first.id}/routing`, { configureDns: true }), 202);
    await held.arrived;
    expect((await voiceStep(first.id))?.status).toBe('running');

    expectStatus(
      await world.admin.post(`/api/v1/services/${second.id}/routing`, { configureDns: true }),
      202,
    );
    // A refusal just made: its next poll is (nearly) 2 s away.
    let before = 0;
    await eventually(
      "the second service's voice-routing step to be refused the tenant",
      async () => {
        const step = await voiceStep(second.id);
        if (step?.status !== 'waiting' || !step.message?.startsWith('Waiting while another run'))
          return false;
        before = await jobs(second.id);
        return Date.parse(step.next_attempt_at!) - Date.now() > 1700;
      },
      { timeoutMs: 30_000, intervalMs: 20 },
    );
    const released = Date.now();
    held.release();
    await eventually(
      "the second service's voice-routing step to hold the tenant",
      async () => ['running', 'succeeded'].includes((await voiceStep(second.id))?.status ?? ''),
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    const waited = Date.now() - released;
    // One job more: the wake (the 2-second poll's job is still to come, and then finds the step taken).
    const attempts = (await jobs(second.id)) - before;

    for (const svc of [first, second]) {
      const run = (await waitForWorkflow(
        world.admin,
        svc.id,
        (w) => w.status === 'succeeded' || w.status === 'failed',
        30_000,
      )) as Run;
      expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    }
    expect(attempts).toBe(1);
    expect(waited).toBeLessThan(1200);
  });
});
