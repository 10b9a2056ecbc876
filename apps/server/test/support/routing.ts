import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { startDnsEmulator } from '@trunkline/emulator-dns';
import { loadDefaultSeed, startM365Emulator, type Seed } from '@trunkline/emulator-m365';
import { expectStatus, type Client } from './client.ts';
import { startHoldingProxy } from './holding-proxy.ts';
import { eventually } from './eventually.ts';
import { PUBLIC_URL, startTestServer } from './server.ts';

export const ZONE = 'sbc.trunkline.example';
export const SBC_ADDRESSES = ['198.51.100.10', '2001:db8::10'];
const TSIG = { name: 'trunkline-test', algorithm: 'hmac-sha256' as const };

/**
 * The whole outside world of default routing on loopback: the provider's DNS (an RFC 2136 server with TSIG),
 * Microsoft 365 whose domain verification resolves through that DNS, and the real server pointed at both
 * (quick retries, so waiting steps come back within seconds).
 */
export async function startRoutingWorld(
  options: {
    seed?: Seed;
    /** Extra server environment; a function gets the DNS emulator's address (e.g. for resolvers). */
    env?: Record<string, string> | ((dns: { address: string }) => Record<string, string>);
  } = {},
) {
  const secret = randomBytes(32).toString('base64');
  const dns = await startDnsEmulator({ port: 0, zones: [{ name: ZONE }], keys: [{ ...TSIG, secret }] });
  // Microsoft at once (no directory replication, no activation delay), for speed; tests of those set them
  // (replication.test.ts, routing.test.ts) and the system tier runs with replication on.
  const emu = await startM365Emulator({
    ...(options.seed ? { seed: options.seed } : {}),
    dnsServers: [dns.address],
    replication: 0,
    teamsActivationDelaySeconds: 0,
  });
  emu.control.consent('contoso');
  const app = loadDefaultSeed().apps[0]!;
  emu.control.setRedirectUris(app.appId, [
    ...app.redirectUris,
    `${PUBLIC_URL}/api/v1/microsoft/consent/callback`,
    `${PUBLIC_URL}/api/v1/microsoft/callback`,
  ]);
  const server = await startTestServer({
    ENTRA_AUTHORITY: emu.urls.login,
    ENTRA_CLIENT_ID: app.appId,
    ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
    GRAPH_BASE_URL: emu.urls.graph,
    TEAMS_ADMIN_BASE_URL: emu.urls.teams,
    ROUTING_RETRY_BASE_SECONDS: '1',
    ...(typeof options.env === 'function' ? options.env(dns) : options.env),
  });
  const admin = await server.admin();
  return {
    dns,
    emu,
    server,
    admin,
    secret,
    /** Saves the routing settings as a provider admin would (the DNS emulator, both SBC addresses). */
    async saveSettings(overrides: Record<string, unknown> = {}) {
      const current = expectStatus(await admin.get('/api/v1/settings/routing'), 200);
      const { dnsSecretSet: _set, saved: _saved, ...rest } = current;
      return expectStatus(
        await admin.put('/api/v1/settings/routing', {
          ...rest,
          sbcBaseDomain: ZONE,
          sbcAddresses: SBC_ADDRESSES,
          dns: { kind: 'rfc2136', server: dns.address, keyName: TSIG.name },
          dnsSecret: secret,
          ...overrides,
        }),
        200,
      );
    },
    /** A service connected to `tenant` through the credentials path. */
    async connectedService(customerId: string, shortName: string, tenant = 'contoso') {
      const t = loadDefaultSeed().tenants.find((x) => x.name === tenant)!;
      const svc = expectStatus(
        await admin.post('/api/v1/services', {
          customerId,
          type: 'direct-routing',
          fullName: `Routing ${shortName}`,
          shortName,
          licenseType: 'hosted-essentials-plus',
          licensedUsers: 5,
          adminAuth: {
            method: 'credentials',
            username: t.users[0]!.userPrincipalName,
            password: t.users[0]!.password,
          },
        }),
        201,
      );
      expect(svc.connection.state, svc.connection.message).toBe('connected');
      // The Teams-role check that follows a connection (a job) decides whether a run may start: wait for it, as
      // an operator sees it finish before pressing Configure.
      await eventually(`the Teams role check of ${shortName}`, async () => {
        const connection = expectStatus(await admin.get(`/api/v1/services/${svc.id}/connection`), 200);
        return connection.teamsRole.state !== 'unknown';
      });
      return svc as { id: string; trunkFqdn: string; shortName: string };
    },
    async close() {
      await server.close();
      await emu.stop();
      await dns.stop();
    },
  };
}

/** Polls the service's routing run until `done(workflow)` holds. */
export async function waitForWorkflow(
  admin: Client,
  serviceId: string,
  done: (w: { status: string; steps: { name: string; status: string }[] }) => boolean,
  timeoutMs = 20_000,
) {
  return eventually(
    'the routing run to get there',
    async () => {
      const res = await admin.get(`/api/v1/services/${serviceId}/routing`);
      if (res.status !== 200) throw new Error(`GET routing answered ${res.status}: ${res.text}`);
      if (done(res.body)) return res.body;
      throw new Error(`not yet: ${JSON.stringify(res.body)}`);
    },
    { timeoutMs, intervalMs: 200 },
  );
}

export type RoutingWorld = Awaited<ReturnType<typeof startRoutingWorld>>;

/**
 * A routing world (settings saved, workers polling every second) whose server reaches the Teams admin API through
 * a holding proxy (support/holding-proxy.ts), for tests that keep a Teams write in flight. `env` adds to the
 * server's environment.
 */
export async function startRoutingWorldBehindTeamsProxy(env: Record<string, string> = {}) {
  const proxy = await startHoldingProxy();
  let world: RoutingWorld;
  try {
    world = await startRoutingWorld({
      env: { WORKER_POLL_SECONDS: '1', ...env, TEAMS_ADMIN_BASE_URL: `${proxy.url}/teams` },
    });
  } catch (e) {
    await proxy.close();
    throw e;
  }
  proxy.forwardTo(new URL(world.emu.urls.teams).origin);
  await world.saveSettings();
  return { world, proxy };
}

/** A routing run as GET /services/{id}/routing answers it. */
export type Run = {
  id: string;
  kind: string;
  status: string;
  steps: {
    name: string;
    status: string;
    attempts: number;
    lastError: string | null;
    message: string | null;
    nextAttemptAt: string | null;
  }[];
};

/** What a tenant holds that onboarding touches: domains, users, licence counts, the Teams objects. */
export const tenantState = (world: RoutingWorld, tenant = 'contoso') => {
  const t = world.emu.control.tenant(tenant);
  return {
    domains: t.domains.map((d) => `${d.id}:${d.isVerified}`).sort(),
    users: t.users.map((u) => u.userPrincipalName).sort(),
    skus: t.subscribedSkus.map((s) => `${s.skuPartNumber}:${s.consumedUnits}`).sort(),
    teams: JSON.stringify(t.teams),
  };
};
