import { loadDefaultSeed, startM365Emulator, type Seed } from '@trunkline/emulator-m365';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { startRuntime, type Runtime } from '../../src/app/runtime.ts';
import type { JobDefinition, JobRegistration } from '../../src/jobs/job.ts';
import { Client, expectStatus } from './client.ts';
import { createTestDatabase } from './database.ts';
import { captureLogs } from './log-capture.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PUBLIC_URL = 'http://trunkline.test';
export const ADMIN = { email: 'admin@trunkline.test', password: 'correct horse battery staple' };

export type TestServer = {
  url: string;
  runtime: Runtime;
  config: Config;
  logs: ReturnType<typeof captureLogs>;
  /** A client on the portal's origin, not signed in. */
  client(): Client;
  /** A client signed in as the provider admin. */
  admin(): Promise<Client>;
  close(): Promise<void>;
};

/**
 * Starts the real runtime (HTTP on a free port, workers, migrations) on a fresh test database, copied from the
 * run's migrated template (the runtime still applies migrations and prepares pg-boss: it finds them done).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  extraJobs?: { definitions: JobDefinition[]; registrations: JobRegistration[] },
): Promise<TestServer> {
  const db = await createTestDatabase({ migrated: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-test-'));
  const config = {
    ...loadConfig({
      PUBLIC_URL,
      DATA_DIR: dataDir,
      TRUNKLINE_ADMIN_EMAIL: ADMIN.email,
      TRUNKLINE_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'debug',
      WEB_DIST_DIR: path.join(dataDir, 'no-web'),
      ...env,
    }),
    port: 0,
    host: '127.0.0.1',
  };
  const logs = captureLogs();
  const runtime = await startRuntime({
    config,
    logger: logs.logger,
    mode: 'all',
    handle: db.handle,
    ...(extraJobs ? { extraJobs } : {}),
  });
  const url = runtime.url!;
  return {
    url,
    runtime,
    config,
    logs,
    client: () => new Client(url, PUBLIC_URL),
    async admin() {
      const c = new Client(url, PUBLIC_URL);
      await c.login(ADMIN.email, ADMIN.password);
      return c;
    },
    async close() {
      await runtime.stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Tenancy = Awaited<ReturnType<typeof seedTenancy>>;

/**
 * Two channels (A, B), each with two customers, and one admin of every role per channel, created through
 * the API as the provider admin would.
 */
export async function seedTenancy(server: TestServer) {
  const admin = await server.admin();
  const password = 'a long enough password';
  const mk = async (suffix: string) => {
    const channel = expectStatus(await admin.post('/api/v1/channels', { name: `Channel ${suffix}` }), 201);
    const customer = expectStatus(
      await admin.post('/api/v1/customers', { name: `Customer ${suffix}1`, channelId: channel.id }),
      201,
    );
    const sibling = expectStatus(
      await admin.post('/api/v1/customers', { name: `Customer ${suffix}2`, channelId: channel.id }),
      201,
    );
    const channelAdmin = expectStatus(
      await admin.post('/api/v1/users', {
        email: `channel-${suffix}@example.com`,
        name: `Channel admin ${suffix}`,
        role: 'channel_admin',
        channelId: channel.id,
        password,
      }),
      201,
    );
    const customerAdmin = expectStatus(
      await admin.post('/api/v1/users', {
        email: `customer-${suffix}@example.com`,
        name: `Customer admin ${suffix}`,
        role: 'customer_admin',
        customerId: customer.id,
        password,
      }),
      201,
    );
    const channelClient = server.client();
    await channelClient.login(channelAdmin.email, password);
    const customerClient = server.client();
    await customerClient.login(customerAdmin.email, password);
    return { channel, customer, sibling, channelAdmin, customerAdmin, channelClient, customerClient };
  };
  return { admin, password, a: await mk('a'), b: await mk('b') };
}

/**
 * A test server whose Microsoft adapters point at a fresh M365 emulator, with the provider app's callback
 * registered for PUBLIC_URL as a provider would register it.
 */
export async function startTestServerWithMicrosoft(env: Record<string, string> = {}, seed?: Seed) {
  // Microsoft at once (no directory replication, no activation delay), for speed; tests of those set them.
  const emu = await startM365Emulator({
    ...(seed ? { seed } : {}),
    replication: 0,
    teamsActivationDelaySeconds: 0,
  });
  const app = loadDefaultSeed().apps[0]!;
  emu.control.setRedirectUris(app.appId, [
    ...app.redirectUris,
    `${PUBLIC_URL}/api/v1/microsoft/consent/callback`,
    `${PUBLIC_URL}/api/v1/microsoft/callback`,
    `${PUBLIC_URL}/api/v1/session/microsoft/callback`,
  ]);
  const server = await startTestServer({
    ENTRA_AUTHORITY: emu.urls.login,
    ENTRA_CLIENT_ID: app.appId,
    ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
    GRAPH_BASE_URL: emu.urls.graph,
    TEAMS_ADMIN_BASE_URL: emu.urls.teams,
    ...env,
  });
  return {
    emu,
    server,
    async close() {
      await server.close();
      await emu.stop();
    },
  };
}
