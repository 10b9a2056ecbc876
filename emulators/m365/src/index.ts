import { Resolver } from 'node:dns/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { armErrorReply, armRoutes } from './azure-dns.ts';
import { initCallGenerator, stopCallGenerator, type GeneratorConfig } from './call-generator.ts';
import { callRecordsRoutes, stopCallRecords } from './call-records.ts';
import { defaultFaults, type Emu, type FaultScope, type TxtResolver } from './context.ts';
import { controlRoutes, createControl, type Control } from './control.ts';
import { burstRetryAfter, seededRandom, stormError } from './faults.ts';
import { graphRoutes } from './graph.ts';
import {
  EmulatorError,
  graphError,
  graphErrorBody,
  identityErrorBody,
  match,
  newCtx,
  type Ctx,
  type Reply,
  type Route,
  type Surface,
} from './http.ts';
import { identityRoutes } from './identity.ts';
import { messagePage } from './pages.ts';
import { openM365StateFile } from './persistence.ts';
import { createRateLimiter, rateLimitRoutes, type RateLimit } from './rate-limits.ts';
import { createReplication, noteCreated, type ReplicationOptions } from './replication.ts';
import { loadDefaultSeed, type Seed } from './seed.ts';
import { createWorld } from './state.ts';
import { teamsRoutes } from './teams.ts';
import { createSigner } from './tokens.ts';

export type { Control, FaultOptions, ThrottleOptions } from './control.ts';
export type { TxtResolver } from './context.ts';
export type { Seed, SeedApp, SeedTenant, SeedUser, SeedSku } from './seed.ts';
export { loadDefaultSeed, seedWithTenants } from './seed.ts';
export { QUALIFYING_SKUS } from './activation.ts';
export { REPLICATION_KINDS } from './replication.ts';
export type { ReplicationKind, ReplicationOptions, ReplicationWindows } from './replication.ts';
export { GRAPH, TEAMS_ADMIN, ROLE_TEMPLATES } from './catalog.ts';
export { MAX_LIFETIME_MINUTES } from './call-records.ts';
export {
  GRAPH_PUBLISHED_LIMITS,
  TEAMS_ASSUMED_LIMITS,
  resourceUnits,
  scaledRateLimits,
} from './rate-limits.ts';
export type { RateLimit, RateLimitScope, RateLimitUnit } from './rate-limits.ts';
export type { Delivery, GenerateOptions, Subscription } from './call-records.ts';
export type { GeneratedCall, GeneratorConfig } from './call-generator.ts';

export type M365EmulatorOptions = {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Tenants and app registrations; default `emulators/m365/seed.json`. */
  seed?: Seed;
  /** TXT lookup used by `POST /domains/{id}/verify`; default node:dns with `dnsServers` (or the system's). */
  dnsResolver?: TxtResolver;
  /** DNS servers (`host` or `host:port`) for the default resolver. */
  dnsServers?: string[];
  /** The address clients use, if not `http://host:port` (it is also the token issuer's base). */
  publicUrl?: string;
  /**
   * Directory replication windows in seconds (`replication.ts`): one number for every kind (domain, user,
   * licenseAssignment, servicePrincipal, appToken) or some kinds. Default 0 (off); the sandbox turns it on.
   */
  replication?: ReplicationOptions;
  /** How long after a domain's activation the Teams admin API still answers "Cannot find specified Gateway"; default 0. */
  teamsActivationDelaySeconds?: number;
  /**
   * A JSON file that keeps the state across restarts (`persistence.ts`): read at start if it exists (a bad one is
   * set aside as `<file>.corrupt-<time>`), written after changes (at most every 500 ms) and on stop. Default: none,
   * the state lives in memory.
   */
  stateFile?: string;
  /**
   * The call generator (`call-generator.ts`): PSTN calls for every tenant with a call-record subscription, notified
   * through its webhook. Default off; the sandbox turns it on with its SBC zone. A configuration kept in the state
   * file (changed through the control API) wins over this.
   */
  callGenerator?: Partial<GeneratorConfig>;
  /**
   * Throttling by rate (`rate-limits.ts`): token buckets per app and tenant, per app, per tenant, modelled on
   * Graph's published limits (`GRAPH_PUBLISHED_LIMITS`); default none. `PUT /_control/rate-limits` changes them.
   */
  rateLimits?: RateLimit[];
  /** How many requests the request log keeps (the oldest go first); default 10,000. */
  requestLogLimit?: number;
  /**
   * `true`: a redeemed refresh token stays valid until it expires, as Entra documents ("doesn't revoke old refresh
   * tokens when used to fetch new access tokens"). Default `false`: single use, stricter than Entra on purpose, so
   * a client that forgets to store the rotated token fails at once.
   */
  refreshTokenReuse?: boolean;
};

export type M365Emulator = {
  /** Base URL; the identity platform (login.microsoftonline.com) is served at its root. */
  url: string;
  urls: {
    /** Authority host: `{login}/{tenant}/v2.0` is an OIDC issuer. */
    login: string;
    /** Microsoft Graph v1.0 base (graph.microsoft.com/v1.0). */
    graph: string;
    /** Teams admin ConfigAPI base (api.interfaces.records.teams.microsoft.com). */
    teams: string;
    /** Azure Resource Manager base (management.azure.com): Azure DNS record sets. */
    arm: string;
    /** Test control API. */
    control: string;
  };
  control: Control;
  stop(): Promise<void>;
};

const MOUNTS: { prefix: string; surface: Surface }[] = [
  { prefix: '/graph', surface: 'graph' },
  { prefix: '/teams', surface: 'teams' },
  { prefix: '/arm', surface: 'arm' },
  { prefix: '/_control', surface: 'control' },
];

const classify = (pathname: string): { surface: Surface; path: string } => {
  for (const m of MOUNTS) {
    if (pathname === m.prefix || pathname.startsWith(`${m.prefix}/`))
      return { surface: m.surface, path: pathname.slice(m.prefix.length) || '/' };
  }
  return { surface: 'identity', path: pathname };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Best-effort tenant of a request before it is handled, for fault scoping: the authority segment or the token's `tid`. */
const peekTenant = (emu: Emu, ctx: Ctx): string | undefined => {
  if (ctx.surface === 'identity') {
    const seg = ctx.path.split('/')[1]?.toLowerCase() ?? '';
    return emu.world.tenants.find((t) => t.id === seg || t.domains.some((d) => d.id === seg))?.id;
  }
  const m = /^Bearer\s+[^.]+\.([^.]+)\./i.exec(ctx.req.headers.authorization ?? '');
  if (!m) return undefined;
  try {
    const tid = (JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as { tid?: unknown }).tid;
    return typeof tid === 'string' ? tid : undefined;
  } catch {
    return undefined;
  }
};

const inScope = (s: FaultScope, ctx: Ctx, tenantId: string | undefined) =>
  s.surfaces.includes(ctx.surface) &&
  (!s.tenant || s.tenant === tenantId) &&
  (!s.pathContains || ctx.url.pathname.toLowerCase().includes(s.pathContains.toLowerCase()));

export async function startM365Emulator(options: M365EmulatorOptions = {}): Promise<M365Emulator> {
  const host = options.host ?? '127.0.0.1';
  const replication = createReplication(options.replication);
  const world = createWorld(options.seed ?? loadDefaultSeed(), (o) => noteCreated(replication, o));
  const delay = options.teamsActivationDelaySeconds ?? 0;
  if (!Number.isInteger(delay) || delay < 0)
    throw new Error('teamsActivationDelaySeconds must be an integer >= 0');
  let resolveTxt = options.dnsResolver;
  if (!resolveTxt) {
    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    if (options.dnsServers?.length) resolver.setServers(options.dnsServers);
    resolveTxt = (name) => resolver.resolveTxt(name);
  }
  const persisted = options.stateFile ? openM365StateFile(options.stateFile) : undefined;
  const requestLogLimit = options.requestLogLimit ?? 10_000;
  const emu: Emu = {
    world,
    signer: await createSigner(persisted?.loaded?.signingKey),
    baseUrl: '',
    resolveTxt,
    codes: new Map(),
    refreshTokens: new Map(),
    deviceCodes: new Map(),
    faults: defaultFaults(),
    random: seededRandom(defaultFaults().seed),
    throttles: [],
    rateLimiter: createRateLimiter(options.rateLimits),
    refreshTokenReuse: options.refreshTokenReuse ?? false,
    settings: { accessTokenLifetimeSeconds: 3599, teamsActivationDelaySeconds: delay },
    initialSettings: { accessTokenLifetimeSeconds: 3599, teamsActivationDelaySeconds: delay },
    replication,
    requests: [],
  };
  await persisted?.attach(emu);
  initCallGenerator(emu, options.callGenerator, persisted?.loaded?.callRecords?.generator);
  const control = createControl(emu);
  const routes: Record<Surface, Route[]> = {
    identity: identityRoutes(emu),
    graph: [...graphRoutes(emu), ...callRecordsRoutes(emu)],
    teams: teamsRoutes(emu),
    arm: armRoutes(emu),
    control: [...controlRoutes(control), ...rateLimitRoutes(emu.rateLimiter)],
  };

  const applyFaults = async (ctx: Ctx) => {
    const tenantId = peekTenant(emu, ctx);
    // For the request log of answers given before a handler runs (the handler sets the verified tenant).
    if (tenantId) ctx.tenantId = tenantId;
    const f = emu.faults;
    if (f.latencyMs > 0 && inScope(f, ctx, tenantId)) await sleep(f.latencyMs);
    const t = emu.throttles.find((x) => x.remaining > 0 && inScope(x, ctx, tenantId));
    if (t) {
      t.remaining -= 1;
      emu.throttles = emu.throttles.filter((x) => x.remaining > 0);
      throw stormError(ctx.surface, 429, t.retryAfterSeconds);
    }
    if (!inScope(f, ctx, tenantId)) return;
    const burst = f.burst ? burstRetryAfter(f.burst, Date.now()) : undefined;
    if (burst !== undefined) throw stormError(ctx.surface, 429, burst);
    if (f.errorRate > 0 && emu.random() < f.errorRate)
      throw stormError(ctx.surface, f.errorStatuses[Math.floor(emu.random() * f.errorStatuses.length)]!);
  };

  const notFound = (ctx: Ctx, methodMismatch: boolean): EmulatorError => {
    if (ctx.surface === 'graph') {
      if (methodMismatch)
        return graphError(
          405,
          'Request_BadRequest',
          'Specified HTTP method is not allowed for the request target.',
        );
      const seg = ctx.path.split('/').filter(Boolean)[1] ?? ctx.path;
      return graphError(400, 'BadRequest', `Resource not found for the segment '${seg}'.`);
    }
    return new EmulatorError(
      methodMismatch ? 405 : 404,
      'NotFound',
      `No resource at ${ctx.method} ${ctx.url.pathname}.`,
    );
  };

  const errorReply = (ctx: Ctx, e: unknown): Reply => {
    const err =
      e instanceof EmulatorError
        ? e
        : new EmulatorError(
            500,
            ctx.surface === 'identity' ? 'server_error' : 'generalException',
            e instanceof Error ? e.message : String(e),
            { aadsts: 50000 },
          );
    const headers = err.headers ?? {};
    switch (ctx.surface) {
      case 'identity':
        if (err.aadsts === undefined)
          return { status: err.status, headers, html: messagePage('Not found', err.message) };
        return { status: err.status, headers, json: identityErrorBody(err, ctx, emu.baseUrl) };
      case 'control':
        return { status: err.status, headers, json: { error: err.message } };
      case 'arm':
        return armErrorReply(err, ctx);
      default:
        return { status: err.status, headers, json: graphErrorBody(err, ctx) };
    }
  };

  const write = (res: ServerResponse, ctx: Ctx, reply: Reply) => {
    const headers: Record<string, string> = { ...reply.headers };
    if (ctx.surface === 'graph' || ctx.surface === 'teams') {
      headers['request-id'] = ctx.requestId;
      headers['client-request-id'] = ctx.clientRequestId;
      headers['x-ms-ags-diagnostic'] = JSON.stringify({
        ServerInfo: {
          DataCenter: 'Emulator',
          Slice: 'E',
          Ring: '0',
          ScaleUnit: '000',
          RoleInstance: 'm365-emulator',
        },
      });
    } else if (ctx.surface === 'identity') {
      headers['x-ms-request-id'] = ctx.requestId;
    }
    let body = '';
    if (reply.json !== undefined && reply.status !== 204) {
      headers['content-type'] =
        ctx.surface === 'graph' && reply.status < 400
          ? 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8'
          : 'application/json; charset=utf-8';
      body = JSON.stringify(reply.json);
    } else if (reply.html !== undefined) {
      headers['content-type'] = 'text/html; charset=utf-8';
      body = reply.html;
    } else if (reply.text !== undefined) {
      headers['content-type'] = 'text/plain; charset=utf-8';
      body = reply.text;
    }
    res.writeHead(reply.status, headers);
    res.end(ctx.method === 'HEAD' ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', emu.baseUrl);
    const { surface, path } = classify(url.pathname);
    const ctx = newCtx(req, url, surface, path);
    let reply: Reply;
    try {
      if (surface !== 'control') {
        await applyFaults(ctx);
        emu.rateLimiter.check(ctx);
      }
      const m = match(routes[surface], ctx.method, path);
      if (!m.route) throw notFound(ctx, m.pathMatched);
      ctx.params = m.params;
      reply = await m.route.handler(ctx);
    } catch (e) {
      reply = errorReply(ctx, e);
    }
    if (surface !== 'control') {
      emu.requests.push({
        at: new Date().toISOString(),
        surface,
        method: ctx.method,
        path: url.pathname,
        status: reply.status,
        ...(ctx.tenantId ? { tenantId: ctx.tenantId } : {}),
        ...(reply.status === 429 && reply.headers?.['retry-after']
          ? { retryAfter: Number(reply.headers['retry-after']) }
          : {}),
        ...(reply.headers?.['x-ms-throttle-scope']
          ? { throttleScope: reply.headers['x-ms-throttle-scope'] }
          : {}),
      });
      if (emu.requests.length > requestLogLimit)
        emu.requests.splice(0, emu.requests.length - requestLogLimit);
    }
    write(res, ctx, reply);
    persisted?.changed();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(e instanceof Error ? e.message : 'error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  emu.baseUrl = (options.publicUrl ?? `http://${h}:${port}`).replace(/\/+$/, '');

  return {
    url: emu.baseUrl,
    urls: {
      login: emu.baseUrl,
      graph: `${emu.baseUrl}/graph/v1.0`,
      teams: `${emu.baseUrl}/teams`,
      arm: `${emu.baseUrl}/arm`,
      control: `${emu.baseUrl}/_control`,
    },
    control,
    stop: async () => {
      stopCallGenerator(emu);
      stopCallRecords(emu);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      persisted?.close();
    },
  };
}
