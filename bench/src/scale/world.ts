import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { startDnsEmulator } from '@trunkline/emulator-dns';
import { loadDefaultSeed, seedWithTenants, startM365Emulator } from '@trunkline/emulator-m365';
import { startStack, type Stack } from './stack.ts';

export type World = {
  stack: Stack;
  emu: Awaited<ReturnType<typeof startM365Emulator>>;
  /** A service connected to `tenant` with the credentials path (under its own customer unless one is given). */
  connected(tenant: string, shortName: string, customerId?: string): Promise<string>;
  /** Waits until no job of these queues is waiting or running. */
  drained(queues: string[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

const ZONE = 'sbc.bench.example';
const TSIG = { name: 'trunkline-bench', algorithm: 'hmac-sha256' as const };

/** The server with its outside world on loopback: the M365 emulator (these tenants) and the provider's DNS. */
export async function startWorld(tenants: string[], env: Record<string, string> = {}): Promise<World> {
  const secret = randomBytes(32).toString('base64');
  const dns = await startDnsEmulator({ port: 0, zones: [{ name: ZONE }], keys: [{ ...TSIG, secret }] });
  const emu = await startM365Emulator({ seed: seedWithTenants(tenants), dnsServers: [dns.address] });
  for (const t of tenants) emu.control.consent(t);
  const app = loadDefaultSeed().apps[0]!;
  const stack = await startStack({
    ENTRA_AUTHORITY: emu.urls.login,
    ENTRA_CLIENT_ID: app.appId,
    ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
    GRAPH_BASE_URL: emu.urls.graph,
    TEAMS_ADMIN_BASE_URL: emu.urls.teams,
    ROUTING_RETRY_BASE_SECONDS: '1',
    ...env,
  });
  const current = await stack.call<Record<string, unknown>>('GET', '/api/v1/settings/routing');
  const { dnsSecretSet: _set, saved: _saved, ...rest } = current;
  await stack.call('PUT', '/api/v1/settings/routing', {
    ...rest,
    sbcBaseDomain: ZONE,
    sbcAddresses: ['198.51.100.10'],
    dns: { kind: 'rfc2136', server: dns.address, keyName: TSIG.name },
    dnsSecret: secret,
  });
  /** A service connected to `tenant` with the credentials path, under its own customer. */
  const connected = async (tenant: string, shortName: string, customerId?: string) => {
    const user = emu.control.tenant(tenant).users[0]!;
    const customer =
      customerId ?? (await stack.call('POST', '/api/v1/customers', { name: `C ${shortName}` })).id;
    const svc = await stack.call<{ id: string; connection: { state: string; message: string } }>(
      'POST',
      '/api/v1/services',
      {
        customerId: customer,
        type: 'direct-routing',
        fullName: `Bench ${shortName}`,
        shortName,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: { method: 'credentials', username: user.userPrincipalName, password: 'Contoso-Admin-1!' },
      },
    );
    if (svc.connection.state !== 'connected') throw new Error(`${shortName}: ${svc.connection.message}`);
    return svc.id;
  };
  /** Waits until no job of these queues is waiting or running. */
  const drained = async (queues: string[], timeoutMs = 600_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const rows = await stack.rows<{ n: number }>(
        sql`select count(*)::int as n from pgboss.job
            where name in ${queues} and state in ('created', 'retry', 'active')`,
      );
      if (Number(rows[0]!.n) === 0) return;
      if (Date.now() > until) throw new Error(`queues ${queues.join(', ')} not drained`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return {
    stack,
    emu,
    connected,
    drained,
    async stop() {
      await stack.stop();
      await emu.stop();
      await dns.stop();
    },
  };
}

/** Runs `task` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: T[], limit: number, task: (item: T, i: number) => Promise<R>) {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await task(items[i]!, i);
    }),
  );
  return out;
}
