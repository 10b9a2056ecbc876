import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QoeServiceSummarySchema } from '@trunkline/contracts';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectBody, expectStatus } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { startRoutingWorld, waitForWorkflow, ZONE, type RoutingWorld } from '../support/routing.ts';
import { expectedStreams } from './expected-streams.ts';
import { startPublicAddress } from './public-address.ts';

/**
 * What a newcomer does in the sandbox, end to end against the emulators: onboard a service (default routing puts
 * its trunk FQDN into the tenant), set its Notification Service app (the subscription), and the M365 emulator's call
 * generator — as `npm start` runs it, only faster — calls through that trunk and notifies the real webhook; the
 * stored calls, streams and Direct Routing outcomes, and the service's 24-hour summary, equal what is computed here
 * from the emulator's own records.
 * Removing the service (offboarding) then deletes the subscription at Graph at once.
 */

const NOTIFY_APP = 'd4b1c9e3-6a2f-4c7d-8e15-9f3a7b2c0d61';
const NOTIFY_SECRET = 'Ctso~notify-app.secret-0001';

let world: RoutingWorld;
let publicAddress: Awaited<ReturnType<typeof startPublicAddress>>;
let service: { id: string; trunkFqdn: string; shortName: string };

const db = () => world.server.runtime.handle.db;
const count = async (query: ReturnType<typeof sql>) =>
  Number((await queryRows<{ n: number }>(db(), query))[0]!.n);

beforeAll(async () => {
  publicAddress = await startPublicAddress();
  world = await startRoutingWorld({ env: { QOE_WEBHOOK_BASE_URL: publicAddress.url } });
  publicAddress.forwardTo(world.server.url);
  await world.saveSettings();
  const customerId = expectStatus(
    await world.admin.post('/api/v1/customers', { name: 'Sandbox QoE customer' }),
    201,
  ).id;
  service = await world.connectedService(customerId, 'qoe-flow');
  expectStatus(await world.admin.post(`/api/v1/services/${service.id}/routing`, { configureDns: true }), 202);
  await waitForWorkflow(world.admin, service.id, (w) => w.status === 'succeeded', 60_000);
}, 120_000);
afterAll(async () => {
  await world?.close();
  await publicAddress?.close();
});

describe('sandbox: generated calls fill the store', () => {
  it('calls through the service trunk reach the store through the webhook, equal to the emulator records', async () => {
    const { emu } = world;
    expectStatus(
      await world.admin.put(`/api/v1/services/${service.id}/m365-settings`, {
        m365Domain: 'contoso.onmicrosoft.com',
        grantAdminAccess: { channelAdmins: true, customerAdmins: false },
        notificationApp: { clientId: NOTIFY_APP, clientSecret: NOTIFY_SECRET },
      }),
      200,
    );
    await eventually('the subscription exists', () => emu.control.subscriptions().length === 1);

    // The sandbox's generator (on there with the SBC zone), a call every 0.3-0.6 s instead of 20-60 s.
    const status = emu.control.configureCallGenerator({
      enabled: true,
      sbcZone: ZONE,
      minIntervalSeconds: 0.3,
      maxIntervalSeconds: 0.6,
      poorShare: 0.4,
      failedShare: 0.3,
    });
    // The service's FQDN, as default routing left it in the tenant (verified subdomain and Teams gateway).
    expect(status.tenants).toEqual([
      expect.objectContaining({ tenant: 'contoso', trunks: [service.trunkFqdn] }),
    ]);
    await eventually(
      'good, poor and failed calls were made',
      () => {
        const t = emu.control.callGenerator().tenants[0]!;
        return t.calls >= 6 && t.poorCalls >= 1 && t.poorCalls < t.calls && t.failedCalls >= 1;
      },
      { timeoutMs: 60_000 },
    );
    emu.control.configureCallGenerator({ enabled: false });

    const { records, directRoutingCalls } = emu.control.callRecords('contoso') as {
      records: any[];
      directRoutingCalls: any[];
    };
    await eventually(
      'every generated call is stored',
      async () =>
        (await count(sql`select count(*)::int as n from qoe_calls where service_id = ${service.id}`)) ===
        records.length,
      { timeoutMs: 30_000 },
    );
    // Computed here from Graph's JSON, independently of the server's code (Microsoft's poor thresholds).
    const expected = expectedStreams(records);
    const stored = await queryRows<any>(
      db(),
      sql`select call_id, avg_jitter_ms, avg_round_trip_ms, poor, caller_kind, callee_kind
          from qoe_streams where service_id = ${service.id}`,
    );
    expect(stored).toHaveLength(expected.length);
    expect(stored.filter((s) => s.poor).length).toBe(expected.filter((s) => s.poor).length);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(stored.map((s) => s.avg_jitter_ms))).toBeCloseTo(sum(expected.map((s) => s.jitter)), 1);
    expect(sum(stored.map((s) => s.avg_round_trip_ms))).toBeCloseTo(sum(expected.map((s) => s.rtt)), 1);
    expect(stored.every((s) => [s.caller_kind, s.callee_kind].includes('direct-routing'))).toBe(true);

    // The Direct Routing log: every call on the service's trunk, the failed ones (no call record) included.
    expect(directRoutingCalls.every((r) => r.trunkFullyQualifiedDomainName === service.trunkFqdn)).toBe(true);
    await world.server.runtime.services.qoe.pullDirectRouting(service.id);
    const dr = await queryRows<{ successful: boolean; final_sip_code: number }>(
      db(),
      sql`select successful, final_sip_code from qoe_dr_calls where service_id = ${service.id}`,
    );
    expect(dr).toHaveLength(directRoutingCalls.length);
    expect(
      dr
        .filter((r) => !r.successful)
        .map((r) => r.final_sip_code)
        .sort(),
    ).toEqual(
      directRoutingCalls
        .filter((r) => !r.successfulCall)
        .map((r) => r.finalSipCode)
        .sort(),
    );
    expect(dr.filter((r) => r.successful)).toHaveLength(records.length);

    // The service's last 24 hours as the service page shows them: the same numbers.
    const summary = expectBody(
      await world.admin.get(`/api/v1/services/${service.id}/qoe/summary`),
      200,
      QoeServiceSummarySchema,
    );
    const failed = directRoutingCalls.filter((r) => !r.successfulCall).length;
    expect(summary.calls).toMatchObject({
      total: directRoutingCalls.length,
      answered: directRoutingCalls.length - failed,
      failed,
    });
    expect(summary.streams).toMatchObject({
      callRecords: records.length,
      poorCalls: new Set(expected.filter((s) => s.poor).map((s) => s.call)).size,
      streams: expected.length,
      poorStreams: expected.filter((s) => s.poor).length,
    });
  });

  it('removing the service (offboarding) deletes its subscription at Graph and in the store', async () => {
    const { emu } = world;
    const graphId = emu.control.subscriptions()[0]!.id;
    expectStatus(
      await world.admin.post(`/api/v1/services/${service.id}/offboarding`, {
        confirmShortName: service.shortName,
      }),
      202,
    );
    await waitForWorkflow(world.admin, service.id, (w) => w.status === 'succeeded', 60_000);
    await eventually(
      'the subscription is deleted',
      async () =>
        emu.control.subscriptions().length === 0 &&
        (await count(
          sql`select count(*)::int as n from qoe_subscriptions where service_id = ${service.id}`,
        )) === 0,
    );
    const deletes = emu.control
      .requests({ surface: 'graph' })
      .filter((r) => r.method === 'DELETE' && r.path.endsWith(`/subscriptions/${graphId}`));
    expect(deletes.map((r) => r.status)).toEqual([204]);
  });
});
