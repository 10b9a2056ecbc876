import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, startM365Emulator, type M365Emulator } from '@trunkline/emulator-m365';
import { expectStatus, type Client } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The credentials path's one token request, over a network that drops connections: the password cannot be kept
 * for later, so a transport failure is tried again within the request (a few times) before the service is left
 * "awaiting token". Entra sits behind a TCP proxy that resets the next `drop` connections it accepts.
 */
describe('credentials token request over a flaky network', () => {
  let emu: M365Emulator;
  let proxy: Server;
  let server: TestServer;
  let admin: Client;
  let customerId: string;
  let drop = 0;
  let dropped = 0;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    emu = await startM365Emulator();
    emu.control.consent('contoso');
    const target = new URL(emu.urls.login);
    proxy = createServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      if (drop > 0) {
        drop--;
        dropped++;
        client.resetAndDestroy();
        return;
      }
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const { port } = proxy.address() as AddressInfo;
    const app = loadDefaultSeed().apps[0]!;
    server = await startTestServer({
      ENTRA_AUTHORITY: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
      ENTRA_CLIENT_ID: app.appId,
      ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
      GRAPH_BASE_URL: emu.urls.graph,
      TEAMS_ADMIN_BASE_URL: emu.urls.teams,
    });
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Flaky network' }), 201).id;
  });
  afterAll(async () => {
    await server?.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => proxy?.close(r));
    await emu?.stop();
  });

  const create = async (shortName: string, drops: number) => {
    // Kept-alive connections from before are closed, so each attempt opens a new one through the proxy; the
    // server's HTTP client hears of the close before the next request (else it may try the dead socket first).
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    dropped = 0;
    drop = drops;
    const contoso = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!;
    return expectStatus(
      await admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: `Flaky ${shortName}`,
        shortName,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: {
          method: 'credentials',
          username: contoso.users[0]!.userPrincipalName,
          password: contoso.users[0]!.password,
        },
      }),
      201,
    ) as { connection: { state: string; message: string } };
  };

  it('connects when the first two attempts lose their connection', async () => {
    const svc = await create('flaky-1', 2);
    expect(dropped).toBe(2);
    expect(svc.connection.state, svc.connection.message).toBe('connected');
  });

  it('gives up after three lost attempts and says Microsoft could not be reached', async () => {
    const svc = await create('flaky-2', 10);
    // Three attempts, each on a connection that is reset (at least two of them new ones through the proxy).
    expect(dropped).toBeGreaterThanOrEqual(2);
    expect(dropped).toBeLessThanOrEqual(3);
    expect(svc.connection.state).toBe('failed');
    expect(svc.connection.message).toMatch(/could not be reached/);
  });
});
