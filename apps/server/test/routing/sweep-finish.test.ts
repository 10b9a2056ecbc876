import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';

/**
 * A worker that dies after a run's last step committed and before the run was finished leaves the run
 * `running` with every step succeeded (found by the 50-crash-points system test, crash-points.test.ts). The
 * sweep must take such a run up too, and finishing it completes the service; before the fix it looked only
 * for runs with a due unfinished step, so the run stayed `running` for ever and the service never became active.
 */
describe('the routing sweep finishes a run whose worker died after its last step', () => {
  let world: RoutingWorld;

  beforeAll(async () => {
    world = await startRoutingWorld({ env: { ROUTING_LEASE_SECONDS: '3', ROUTING_SWEEP_SECONDS: '1' } });
    await world.saveSettings();
  });
  afterAll(() => world?.close());

  const db = () => world.server.runtime.handle.db;

  it('finishes the run: the service becomes active and the completion is audited once', async () => {
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Sweep customer' }),
      201,
    ).id;
    const svc = await world.connectedService(customerId, 'sweep-1');
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const run = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
    )) as Run;
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');

    // The state a crash between the last step's commit and `finish` leaves: every step succeeded, the run still
    // running under a lapsed lease, the service not yet active, no completion audited.
    await queryRows(
      db(),
      sql`update workflows set status = 'running', lease_owner = 'a-dead-worker',
            lease_until = now() - interval '1 second' where id = ${run.id}`,
    );
    await queryRows(db(), sql`update services set status = 'configuring' where id = ${svc.id}`);
    await queryRows(
      db(),
      sql`delete from audit_events where action = 'routing.complete' and target_id = ${svc.id}`,
    );
    await eventually('the sweep to finish the run', async () => {
      const again = expectStatus(await world.admin.get(`/api/v1/services/${svc.id}/routing`), 200);
      return again.status === 'succeeded';
    });
    expect(expectStatus(await world.admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe('active');
    const audited = await queryRows<{ n: number }>(
      db(),
      sql`select count(*)::int as n from audit_events where action = 'routing.complete' and target_id = ${svc.id}`,
    );
    expect(audited[0]!.n).toBe(1);
  });
});
