import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.ts';
import * as schema from '../../src/platform/db/schema.ts';
import { createWorkflowsRepository } from '../../src/routing/workflow.repository.ts';
import { expectStatus, type Client } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The Onboarding view loads the latest run of every service of a customer on each change: one query, however many
 * services (it was one query per service, plus one to list them). Counted with a query logger on the same database.
 */
describe("a customer's runs in one query", () => {
  let server: TestServer;
  let admin: Client;
  let queries = 0;
  let counted: Database;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.admin();
    const logger = { logQuery: () => void queries++ };
    const h = server.runtime.handle;
    counted = (h.kind === 'pglite'
      ? drizzlePglite(h.pglite, { schema, logger })
      : drizzlePg(h.pool, { schema, logger })) as unknown as Database;
  });
  afterAll(() => server?.close());

  async function customerWithRuns(name: string, n: number) {
    const customerId = expectStatus(await admin.post('/api/v1/customers', { name }), 201).id as string;
    const workflows = createWorkflowsRepository(server.runtime.handle.db);
    for (let i = 0; i < n; i++) {
      const svc = expectStatus(
        await admin.post('/api/v1/services', {
          customerId,
          type: 'direct-routing',
          fullName: `${name} ${i}`,
          shortName: `${name.toLowerCase().replace(/\W+/g, '-')}-${i}`,
          licenseType: 'hosted-essentials-plus',
          licensedUsers: 1,
          adminAuth: { method: 'credentials', username: 'admin@example.com', password: 'x' },
        }),
        201,
      );
      // Two runs per service: only the newer one counts.
      for (const kind of ['onboard', 'offboard'] as const) {
        const w = await workflows.create({
          serviceId: svc.id,
          kind,
          configureDns: true,
          plan: {},
          steps: ['dns', 'domain', 'activation', 'voice-routing'],
        });
        await workflows.setStatus(w.workflow.id, 'succeeded');
      }
    }
    return customerId;
  }

  it('answers the newest run of each service with its steps, with one query for 2 or 12 services', async () => {
    const small = await customerWithRuns('Few runs', 2);
    const large = await customerWithRuns('Many runs', 12);
    const repo = createWorkflowsRepository(counted);
    for (const [customerId, n] of [
      [small, 2],
      [large, 12],
    ] as const) {
      queries = 0;
      const runs = await repo.latestOfCustomer(customerId);
      expect(queries).toBe(1);
      expect(runs).toHaveLength(n);
      for (const { workflow, steps } of runs) {
        expect(workflow.kind).toBe('offboard');
        expect(steps.map((s) => s.name)).toEqual(['dns', 'domain', 'activation', 'voice-routing']);
        const latest = await createWorkflowsRepository(server.runtime.handle.db).latest(workflow.serviceId);
        expect(latest?.workflow.id).toBe(workflow.id);
      }
    }
  });
});
