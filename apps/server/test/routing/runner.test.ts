import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus } from '../support/client.ts';
import { startRoutingWorld, waitForWorkflow, type RoutingWorld, type Run } from '../support/routing.ts';

/** Polls until `check()` answers something truthy. */
async function until<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the routing runner and its lease', () => {
  let world: RoutingWorld;

  beforeAll(async () => {
    // A short lease (renewed every second) and a sweep every second.
    world = await startRoutingWorld({ env: { ROUTING_LEASE_SECONDS: '3', ROUTING_SWEEP_SECONDS: '1' } });
    await world.saveSettings();
  });
  afterAll(() => world?.close());

  const db = () => world.server.runtime.handle.db;

  it('stops a run whose lease another worker took, writing nothing more; the run goes on once the lease is free', async () => {
    const customerId = expectStatus(
      await world.admin.post('/api/v1/customers', { name: 'Lease customer' }),
      201,
    ).id;
    const svc = await world.connectedService(customerId, 'lease-1');
    // Microsoft answers slowly, so the domain step is still at work when the lease is taken from it.
    world.emu.control.setFaults({ latencyMs: 1500, surfaces: ['graph'] });
    expectStatus(await world.admin.post(`/api/v1/services/${svc.id}/routing`, { configureDns: true }), 202);
    const workflowId: string = await until(async () => {
      const rows = await queryRows<{ id: string }>(
        db(),
        sql`select w.id from workflows w join workflow_steps s on s.workflow_id = w.id
            where w.service_id = ${svc.id} and s.name = 'domain' and s.status = 'running'`,
      );
      return rows[0]?.id ?? '';
    }, 'the domain step to run');
    await queryRows(
      db(),
      sql`update workflows set lease_owner = 'another-worker', lease_until = now() + interval '1 hour' where id = ${workflowId}`,
    );

    await until(
      () =>
        world.server.logs.lines.some(
          (l) => l.includes('another worker took its lease') && l.includes(workflowId),
        ),
      'the run to stop',
    );
    const [step] = await queryRows<{ status: string; message: string | null }>(
      db(),
      sql`select status, message from workflow_steps where workflow_id = ${workflowId} and name = 'domain'`,
    );
    expect(step).toEqual({ status: 'running', message: null });
    const [lease] = await queryRows<{ lease_owner: string }>(
      db(),
      sql`select lease_owner from workflows where id = ${workflowId}`,
    );
    expect(lease!.lease_owner).toBe('another-worker');

    // The other worker is gone (its lease lapses): the sweep hands the run on, and it completes.
    world.emu.control.setFaults({ latencyMs: 0 });
    await queryRows(
      db(),
      sql`update workflows set lease_until = now() - interval '1 second' where id = ${workflowId}`,
    );
    const done = (await waitForWorkflow(
      world.admin,
      svc.id,
      (w) => w.status === 'succeeded' || w.status === 'failed',
      40_000,
    )) as Run;
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
  });
});
