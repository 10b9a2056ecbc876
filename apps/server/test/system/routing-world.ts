import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { startDnsEmulator, type DnsEmulator } from '@trunkline/emulator-dns';
import { seedWithTenants, startM365Emulator } from '@trunkline/emulator-m365';

/**
 * The outside world of default routing for system tests, in the test process while Trunkline runs in its own
 * processes: the provider's DNS (the RFC 2136 emulator, reached by Trunkline through a proxy that holds every
 * answer back, so a DNS step takes long enough to be interrupted) and Microsoft 365, whose domain verification
 * resolves at the DNS emulator directly.
 */

export const ZONE = 'sbc.crash.example';
export const SBC_ADDRESSES = ['198.51.100.20', '2001:db8::20'];
export const TSIG_KEY_NAME = 'trunkline-crash';

export type DnsProxy = {
  /** `127.0.0.1:port`, UDP and TCP. */
  address: string;
  /** How long each answer is held back from now on. */
  setDelay(ms: number): void;
  stop(): Promise<void>;
};

/**
 * A DNS proxy on loopback (UDP and TCP on one port) in front of `upstream`: requests pass at once, answers
 * after `delayMs`. The upstream server sees and applies each request immediately, so a client that dies while
 * an answer is held back has changed the zone without learning it.
 */
export async function startDelayingDnsProxy(upstream: DnsEmulator, delayMs: number): Promise<DnsProxy> {
  let delay = delayMs;
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const hold = (fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) fn();
    }, delay);
    timers.add(timer);
  };

  const relay = (udp: dgram.Socket) =>
    udp.on('message', (request, client) => {
      const up = dgram.createSocket('udp4');
      let open = true;
      const close = () => {
        if (open) up.close();
        open = false;
      };
      up.on('error', close);
      up.on('message', (answer) => {
        close();
        // A client that died meanwhile (a killed worker) does not get its answer; nothing else to do.
        hold(() => udp.send(answer, client.port, client.address, () => undefined));
      });
      up.send(request, upstream.port, upstream.host);
      setTimeout(close, 10_000).unref();
    });
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((client) => {
    const up = net.connect({ host: upstream.host, port: upstream.port });
    for (const socket of [client, up]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('data', (chunk) => up.write(chunk));
    up.on('data', (chunk) => hold(() => client.write(chunk)));
    up.on('end', () => hold(() => client.end()));
    client.on('error', end);
    up.on('error', end);
    client.on('close', () => up.destroy());
  });

  // UDP and TCP on the same port: bind UDP anywhere, then TCP on its port (again when that one is taken).
  let udp: dgram.Socket | undefined;
  for (let attempt = 0; !udp; attempt++) {
    const socket = relay(dgram.createSocket('udp4'));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const listening = await new Promise<boolean>((resolve) => {
      const failed = () => resolve(false);
      tcp.once('error', failed);
      tcp.listen(socket.address().port, '127.0.0.1', () => {
        tcp.off('error', failed);
        resolve(true);
      });
    });
    if (listening) udp = socket;
    else await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (!udp && attempt === 10) throw new Error('no port free for both UDP and TCP');
  }
  const port = udp.address().port;
  const bound = udp;

  return {
    address: `127.0.0.1:${port}`,
    setDelay: (ms) => {
      delay = ms;
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => bound.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/**
 * Watches the token requests the M365 emulator serves in this process (node's HTTP diagnostics channels).
 * Delegated refresh tokens rotate on every use and the emulator's are single-use: a process killed after the
 * emulator rotated its refresh token but before it stored the new one is left with a spent token. `quietFor`
 * tells when no token request is under way and none was answered lately, so a kill lands outside that window.
 */
export function watchTokenRequests() {
  let inFlight = 0;
  let lastAnswered = 0;
  let total = 0;
  const onStart = (message: unknown) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    if (!/\/oauth2\/v2\.0\/token(\?|$)/.test(request.url ?? '')) return;
    inFlight++;
    total++;
    response.once('close', () => {
      inFlight--;
      lastAnswered = Date.now();
    });
  };
  diagnostics.subscribe('http.server.request.start', onStart);
  return {
    quietFor: (ms: number) => inFlight === 0 && Date.now() - lastAnswered >= ms,
    describe: () => `${total} token requests, ${inFlight} under way, last answered at ${lastAnswered}`,
    stop: () => diagnostics.unsubscribe('http.server.request.start', onStart),
  };
}

/**
 * The DNS emulator for `zone` (default {@link ZONE}, TSIG key `tsigKeyName`, default {@link TSIG_KEY_NAME}), the
 * delaying proxy Trunkline is pointed at, and the M365 emulator with `tenants` (default contoso; the others are
 * copies of contoso) consented, directory replication on (`replicationSeconds`, default 3: the sandbox's pace) and
 * the provider app's redirect URIs at `publicUrl`. `refreshTokenReuse` as the M365 emulator's option. The routing
 * crash test uses the defaults; the crash-points world (crash-points-world.ts) adds its tenants and an SBC.
 */
export async function startRoutingEmulators<const T extends string = 'contoso'>(options: {
  dnsDelayMs: number;
  zone?: string;
  tsigKeyName?: string;
  tenants?: readonly T[];
  replicationSeconds?: number;
  refreshTokenReuse?: boolean;
}) {
  const tenants = options.tenants ?? (['contoso'] as unknown as readonly T[]);
  const tsigSecret = randomBytes(32).toString('base64');
  const dns = await startDnsEmulator({
    port: 0,
    zones: [{ name: options.zone ?? ZONE }],
    keys: [{ name: options.tsigKeyName ?? TSIG_KEY_NAME, algorithm: 'hmac-sha256', secret: tsigSecret }],
  });
  const proxy = await startDelayingDnsProxy(dns, options.dnsDelayMs);
  const seed = seedWithTenants(tenants.filter((t) => t !== 'contoso'));
  // Directory replication on (issue #12): every read-after-write of a run meets it.
  const emu = await startM365Emulator({
    seed,
    dnsServers: [dns.address],
    replication: options.replicationSeconds ?? 3,
    ...(options.refreshTokenReuse === undefined ? {} : { refreshTokenReuse: options.refreshTokenReuse }),
  });
  for (const t of tenants) emu.control.consent(t);
  const app = seed.apps[0]!;
  const admins = Object.fromEntries(
    tenants.map((name) => {
      const tenant = seed.tenants.find((t) => t.name === name)!;
      return [name, { username: tenant.users[0]!.userPrincipalName, password: tenant.users[0]!.password }];
    }),
  ) as Record<T, { username: string; password: string }>;
  return {
    dns,
    proxy,
    emu,
    tsigSecret,
    app,
    /** Each tenant's admin, for the credentials path. */
    admins,
    /** The environment that points a Trunkline process at this Microsoft 365. */
    microsoftEnv: {
      ENTRA_AUTHORITY: emu.urls.login,
      ENTRA_CLIENT_ID: app.appId,
      ENTRA_CLIENT_SECRET: app.clientSecrets[0]!,
      GRAPH_BASE_URL: emu.urls.graph,
      TEAMS_ADMIN_BASE_URL: emu.urls.teams,
    },
    /** Lets the provider app redirect to the Trunkline at `publicUrl` (as support/routing.ts does). */
    allowRedirectsTo(publicUrl: string) {
      emu.control.setRedirectUris(app.appId, [
        ...app.redirectUris,
        `${publicUrl}/api/v1/microsoft/consent/callback`,
        `${publicUrl}/api/v1/microsoft/callback`,
      ]);
    },
    async stop() {
      await emu.stop();
      await proxy.stop();
      await dns.stop();
    },
  };
}
/** The routing crash test's world: contoso alone. */
export type RoutingEmulators = Awaited<ReturnType<typeof startRoutingEmulators<'contoso'>>>;
