import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, startM365Emulator, type M365Emulator } from '@trunkline/emulator-m365';
import { defineJob, handle } from '../../src/jobs/job.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { expectStatus, type Client } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * On the embedded database (one connection for the API and the workers) a burst of service creations with
 * credentials must not starve the workers: each creation holds the customer's lock only for its uniqueness and
 * limit check and insert, and makes its token request (slow here: 300 ms) after that transaction, so a job of many
 * small queries finishes while the burst is still being served, not after it.
 */
describe('a burst of service creations and job pickup share the embedded database', () => {
  const QUERIES = 40;
  const BURST = 40;
  const probeJob = defineJob({
    name: 'test.many-queries',
    payload: z.object({}),
    retry: { limit: 0, delaySeconds: 1, backoff: false },
    expireInSeconds: 120,
  });
  let db: Database | null = null;
  let finishedAt = 0;
  let emu: M365Emulator;
  let server: TestServer;
  let admin: Client;
  let customerId: string;

  beforeAll(async () => {
    emu = await startM365Emulator();
    emu.control.consent('contoso');
    const app = loadDefaultSeed().apps[0]!;
    server = await startTestServer(
      {
        ENTRA_AUTHORITY: emu.urls.login,
        ENTRA_CLIENT_ID: app.appId,
        ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
        GRAPH_BASE_URL: emu.urls.graph,
        TEAMS_ADMIN_BASE_URL: emu.urls.teams,
      },
      {
        definitions: [probeJob],
        registrations: [
          handle(probeJob, async () => {
            for (let i = 0; i < QUERIES; i++) await db!.execute(sql`select ${i}`);
            finishedAt = Date.now();
          }),
        ],
      },
    );
    db = server.runtime.handle.db;
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Burst' }), 201).id;
    emu.control.setFaults({ latencyMs: 300, surfaces: ['identity'] });
  });
  afterAll(async () => {
    await server?.close();
    await emu?.stop();
  });

  it('finishes a job of many queries during a burst of creations whose token requests are slow', async () => {
    const contoso = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!;
    let last = 0;
    const started = Date.now();
    const burst = Array.from({ length: BURST }, async (_, i) => {
      const res = await admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: `Burst ${i}`,
        shortName: `burst-${i}`,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: {
          method: 'credentials',
          username: contoso.users[0]!.userPrincipalName,
          password: contoso.users[0]!.password,
        },
      });
      expect(res.status, res.text).toBe(201);
      last = Date.now();
    });
    await server.runtime.jobs.send(probeJob, {});
    await Promise.all(burst);
    await eventually('the job to finish', () => finishedAt > 0, { timeoutMs: 30_000 });
    const burstMs = last - started;
    const jobMs = finishedAt - started;
    // The job's queries wait behind a few short transactions, never behind the burst's token requests: it ends
    // before the burst does. (An order, not a time budget: with the token request inside the customer-locked
    // transaction, each of the 40 holds the embedded database's one connection for 300 ms and the job's queries
    // queue behind them all, so it ends with the burst's last creations.)
    expect(jobMs, JSON.stringify({ burstMs, jobMs })).toBeLessThan(burstMs);
  });
});
