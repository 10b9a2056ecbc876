import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, startM365Emulator, type M365Emulator } from '@trunkline/emulator-m365';
import { queryRows } from '../../src/platform/db/database.ts';
import { eventually } from '../support/eventually.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startPublicAddress } from './public-address.ts';
import { createNotifiedService } from './world.ts';

/**
 * The sandbox restarts (`npm start` again): the M365 emulator reloads its state file, and the server's subscription
 * sync still finds the call-record subscription it made (renews the same one); after a pause longer than the
 * subscription's lifetime Graph no longer has it, and the renewal's 404 makes the sync create a new one.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'qoe-restart-'));
const stateFile = path.join(dir, 'm365.json');
let emu: M365Emulator;
let port = 0;
let server: TestServer;
let publicAddress: Awaited<ReturnType<typeof startPublicAddress>>;
let serviceId: string;

const startEmulator = async () => {
  emu = await startM365Emulator({ port, stateFile, replication: 0, teamsActivationDelaySeconds: 0 });
  port = Number(new URL(emu.url).port);
};
/** Stops the emulator and starts it again on the same address from its state file (the sandbox restarting). */
const restartEmulator = async () => {
  await emu.stop();
  // Lets the server's connection pool see the closed keep-alive connections before the port is taken again.
  await new Promise((r) => setTimeout(r, 50));
  await startEmulator();
};
const db = () => server.runtime.handle.db;
const row = async () =>
  (
    await queryRows<{ id: string; graph_subscription_id: string; expires_at: string | Date }>(
      db(),
      sql`select id, graph_subscription_id, expires_at from qoe_subscriptions where service_id = ${serviceId}`,
    )
  )[0]!;
/** Makes the stored expiry an hour away: inside the renewal margin, so the next sync renews. */
const dueForRenewal = async () =>
  queryRows(
    db(),
    sql`update qoe_subscriptions set expires_at = now() + interval '1 hour' where service_id = ${serviceId}`,
  );

beforeAll(async () => {
  publicAddress = await startPublicAddress();
  await startEmulator();
  emu.control.consent('contoso');
  const app = loadDefaultSeed().apps[0]!;
  server = await startTestServer({
    ENTRA_AUTHORITY: emu.urls.login,
    ENTRA_CLIENT_ID: app.appId,
    ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
    GRAPH_BASE_URL: emu.urls.graph,
    TEAMS_ADMIN_BASE_URL: emu.urls.teams,
    QOE_WEBHOOK_BASE_URL: publicAddress.url,
  });
  publicAddress.forwardTo(server.url);
  const admin = await server.admin();
  ({ serviceId } = await createNotifiedService(admin, {
    customer: 'Restart customer',
    fullName: 'Restart service',
    shortName: 'qoe-restart',
  }));
  await eventually(
    'the subscription is created and recorded',
    async () => emu.control.subscriptions().length === 1 && Boolean((await row())?.graph_subscription_id),
  );
}, 60_000);
afterAll(async () => {
  await server?.close();
  await emu?.stop();
  await publicAddress?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('QoE subscriptions across a sandbox restart', () => {
  it('renews the same subscription after the emulator reloaded its state', async () => {
    const before = await row();
    await restartEmulator();
    expect(emu.control.subscriptions().map((s) => s.id)).toEqual([before.graph_subscription_id]);
    await dueForRenewal();
    // (The scheduled sync could get there first: the outcome is what is checked.)
    expect((await server.runtime.services.qoe.syncSubscriptions()).failed).toBe(0);
    const after = await row();
    expect(after.graph_subscription_id).toBe(before.graph_subscription_id);
    expect(new Date(after.expires_at).getTime()).toBeGreaterThan(Date.now() + 69 * 3600_000);
    expect(Date.parse(emu.control.subscriptions()[0]!.expirationDateTime)).toBe(
      new Date(after.expires_at).getTime(),
    );
  });

  it('creates a new subscription when Graph lost it while the sandbox was down (404 on renewal)', async () => {
    const before = await row();
    // Down for longer than the subscription lived: it has expired, and Graph forgot it.
    emu.control.setSubscriptionExpiry(
      before.graph_subscription_id,
      new Date(Date.now() - 60_000).toISOString(),
    );
    await restartEmulator();
    expect(emu.control.subscriptions()).toEqual([]);
    await dueForRenewal();
    expect((await server.runtime.services.qoe.syncSubscriptions()).failed).toBe(0);
    const after = await row();
    expect(after.graph_subscription_id).not.toBe(before.graph_subscription_id);
    expect(emu.control.subscriptions().map((s) => s.id)).toEqual([after.graph_subscription_id]);
    expect(
      emu.control
        .requests({ surface: 'graph' })
        .filter(
          (r) => r.method === 'PATCH' && r.path.endsWith(`/subscriptions/${before.graph_subscription_id}`),
        )
        .map((r) => r.status),
    ).toEqual([404]);
  });
});
