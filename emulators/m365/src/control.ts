import { armControl, armControlRoutes } from './azure-dns.ts';
import { callGeneratorControl, callGeneratorControlRoutes } from './call-generator.ts';
import { callRecordsControl, callRecordsControlRoutes } from './call-records.ts';
import { defaultFaults, type Emu, type FaultScope, type LoggedRequest } from './context.ts';
import { seededRandom, stormFrom, type ServerErrorStatus } from './faults.ts';
import { EmulatorError, readJsonObject, route, type Route, type Surface } from './http.ts';
import { replicationWindows, type ReplicationOptions } from './replication.ts';
import type { Tenant } from './state.ts';
import { globalGrants } from './teams-shapes.ts';

/**
 * Test control: reset, fault injection (latency, error rate, forced 429 with Retry-After) and read-back of what
 * each tenant holds and what was created since the seed. Not a Microsoft API; served under `{url}/_control`.
 */

const SURFACES: Surface[] = ['identity', 'graph', 'teams', 'arm'];
const DEFAULT_LIFETIME = 3599;

export type ThrottleOptions = Partial<FaultScope> & { count: number; retryAfterSeconds?: number };
export type FaultOptions = Partial<FaultScope> & {
  latencyMs?: number;
  errorRate?: number;
  errorStatuses?: ServerErrorStatus[];
  seed?: number;
  burst?: {
    everySeconds: number;
    forSeconds: number;
    offsetSeconds?: number;
    retryAfterSeconds?: number;
  } | null;
  /** ISO time or `now`; null turns it off. */
  tokensIssuedBefore?: string | null;
};

const invalid = (message: string) => new EmulatorError(400, 'invalid', message);

const scopeFrom = (o: Record<string, unknown>, fallback: Surface[]): FaultScope => {
  const surfaces = o.surfaces === undefined ? fallback : o.surfaces;
  if (!Array.isArray(surfaces) || !surfaces.every((s) => SURFACES.includes(s as Surface)))
    throw invalid(`surfaces must be a list of ${SURFACES.join(', ')}`);
  if (o.tenant !== undefined && typeof o.tenant !== 'string') throw invalid('tenant must be a string');
  if (o.pathContains !== undefined && typeof o.pathContains !== 'string')
    throw invalid('pathContains must be a string');
  return {
    surfaces: surfaces as Surface[],
    ...(typeof o.tenant === 'string' ? { tenant: o.tenant } : {}),
    ...(typeof o.pathContains === 'string' ? { pathContains: o.pathContains } : {}),
  };
};

export const createControl = (emu: Emu) => {
  const { world } = emu;
  const arm = armControl(emu);
  const { reset: resetCallRecords, ...callRecords } = callRecordsControl(emu);
  const { reset: resetCallGenerator, ...callGenerator } = callGeneratorControl(emu);

  const tenantOf = (key: string): Tenant => {
    const t = world.findTenant(key);
    if (!t) throw new EmulatorError(404, 'not_found', `No tenant '${key}'`);
    return t;
  };

  /** Normalises a tenant key (name, id or domain) in a fault scope to the tenant id. */
  const normaliseScope = (s: FaultScope): FaultScope =>
    s.tenant ? { ...s, tenant: tenantOf(s.tenant).id } : s;

  const snapshot = (t: Tenant) => {
    const users = t.users.map(({ password: _password, mfaCode, ...u }) => ({
      ...u,
      mfaRequired: Boolean(mfaCode),
    }));
    const servicePrincipals = t.servicePrincipals.map((sp) => ({
      ...sp,
      directoryRoles: world.rolesOf(t, sp.id),
    }));
    const isNew = (o: { id: string }) => !t.seeded.has(o.id);
    return {
      id: t.id,
      name: t.name,
      displayName: t.displayName,
      domains: t.domains,
      users,
      subscribedSkus: t.skus.map((s) => ({ ...s, freeUnits: s.prepaidUnits - s.consumedUnits })),
      servicePrincipals,
      roleAssignments: t.roleAssignments,
      grants: t.grants,
      teams: {
        OnlinePstnUsages: t.teams.usages,
        OnlineVoiceRoute: t.teams.routes,
        OnlineVoiceRoutingPolicy: t.teams.policies,
        OnlinePSTNGateway: t.teams.gateways,
        /** Tenant-wide grants (`Grant-Cs…Policy -Global`): the policy's Identity, null for the Global instance. */
        GlobalPolicies: {
          OnlineVoiceRoutingPolicy: globalGrants.get(t)?.get('OnlineVoiceRoutingPolicy') ?? null,
        },
      },
      created: {
        domains: t.domains.filter(isNew),
        users: users.filter(isNew),
        servicePrincipals: servicePrincipals.filter(isNew),
        roleAssignments: t.roleAssignments.filter(isNew),
      },
    };
  };

  const control = {
    /** Back to the seed: tenants, consents, codes and tokens' server-side state, faults, settings and the request log. */
    reset() {
      world.reset();
      emu.codes.clear();
      emu.refreshTokens.clear();
      emu.deviceCodes.clear();
      emu.faults = defaultFaults();
      emu.random = seededRandom(emu.faults.seed);
      emu.throttles = [];
      emu.rateLimiter.reset();
      emu.settings.accessTokenLifetimeSeconds = DEFAULT_LIFETIME;
      emu.settings.teamsActivationDelaySeconds = emu.initialSettings.teamsActivationDelaySeconds;
      emu.replication.windows = { ...emu.replication.initial };
      emu.requests.length = 0;
      arm.reset();
      resetCallRecords();
      resetCallGenerator();
    },
    /**
     * Latency (ms), error rate (0..1, answered with one of `errorStatuses`, default 503), 429 bursts and forced
     * token expiry (`faults.ts`) for matching requests; default scope: graph and teams. A `seed` restarts the PRNG.
     */
    setFaults(f: FaultOptions) {
      const o = f as Record<string, unknown>;
      const latencyMs = o.latencyMs ?? emu.faults.latencyMs;
      const errorRate = o.errorRate ?? emu.faults.errorRate;
      if (typeof latencyMs !== 'number' || latencyMs < 0 || latencyMs > 60_000)
        throw invalid('latencyMs must be 0..60000');
      if (typeof errorRate !== 'number' || errorRate < 0 || errorRate > 1)
        throw invalid('errorRate must be 0..1');
      const storm = stormFrom(o, emu.faults, Date.now());
      emu.faults = { ...storm, latencyMs, errorRate, ...normaliseScope(scopeFrom(o, emu.faults.surfaces)) };
      if (o.seed !== undefined) emu.random = seededRandom(storm.seed);
      return emu.faults;
    },
    /** The next `count` matching requests get 429 with `Retry-After: retryAfterSeconds` (default 10; scope default graph and teams). */
    throttle(t: ThrottleOptions) {
      const o = t as Record<string, unknown>;
      const count = o.count;
      const retryAfterSeconds = o.retryAfterSeconds ?? 10;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
        throw invalid('count must be a positive integer');
      if (
        typeof retryAfterSeconds !== 'number' ||
        !Number.isInteger(retryAfterSeconds) ||
        retryAfterSeconds < 0
      )
        throw invalid('retryAfterSeconds must be a non-negative integer');
      emu.throttles.push({
        remaining: count,
        retryAfterSeconds,
        ...normaliseScope(scopeFrom(o, ['graph', 'teams'])),
      });
    },
    setSettings(s: { accessTokenLifetimeSeconds?: number; teamsActivationDelaySeconds?: number }) {
      const v = s.accessTokenLifetimeSeconds;
      if (v !== undefined) {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
          throw invalid('accessTokenLifetimeSeconds must be an integer >= 0 (0: tokens are born expired)');
        emu.settings.accessTokenLifetimeSeconds = v;
      }
      const d = s.teamsActivationDelaySeconds;
      if (d !== undefined) {
        if (typeof d !== 'number' || !Number.isInteger(d) || d < 0)
          throw invalid('teamsActivationDelaySeconds must be an integer >= 0');
        emu.settings.teamsActivationDelaySeconds = d;
      }
      return { ...emu.settings };
    },
    /**
     * Directory replication windows (seconds): one number for every kind, or `{domain?, user?, licenseAssignment?,
     * servicePrincipal?, appToken?}`; 0 turns a kind off. Applies to objects created before the change too.
     */
    setReplication(r: ReplicationOptions) {
      try {
        emu.replication.windows = replicationWindows(r, emu.replication.windows);
      } catch (e) {
        throw invalid((e as Error).message);
      }
      return { ...emu.replication.windows };
    },
    replication: () => ({ ...emu.replication.windows }),
    tenants: () => world.tenants.map((t) => ({ name: t.name, id: t.id, displayName: t.displayName })),
    /** Everything a tenant holds, plus `created`: the objects added since the seed. Key: name, id or verified domain. */
    tenant: (key: string) => snapshot(tenantOf(key)),
    /** Admin consent without the page: service principal plus every configured permission of the app. */
    consent(tenantKey: string, appId?: string) {
      const t = tenantOf(tenantKey);
      const app = appId ? world.findApp(appId) : world.apps[0];
      if (!app) throw new EmulatorError(404, 'not_found', `No app '${appId ?? ''}'`);
      return world.consentApp(t, app);
    },
    /** Replaces an app registration's redirect URIs (e.g. the product's real callback URL). */
    setRedirectUris(appId: string, redirectUris: string[]) {
      const app = world.findApp(appId);
      if (!app) throw new EmulatorError(404, 'not_found', `No app '${appId}'`);
      if (
        !Array.isArray(redirectUris) ||
        !redirectUris.every((u) => typeof u === 'string' && URL.canParse(u))
      )
        throw invalid('redirectUris must be a list of absolute URLs');
      app.redirectUris = [...redirectUris];
      return app.redirectUris;
    },
    /** Requests served (not control ones), oldest first; filter by tenant (name/id/domain) and surface. */
    requests(filter: { tenant?: string; surface?: Surface } = {}): LoggedRequest[] {
      const tid = filter.tenant ? tenantOf(filter.tenant).id : undefined;
      return emu.requests.filter(
        (r) => (!tid || r.tenantId === tid) && (!filter.surface || r.surface === filter.surface),
      );
    },
    clearRequests() {
      emu.requests.length = 0;
    },
    ...arm.control,
    ...callRecords,
    ...callGenerator,
  };
  return control;
};

export type Control = ReturnType<typeof createControl>;

export const controlRoutes = (control: Control): Route[] => {
  return [
    route('POST', '/reset', () => {
      control.reset();
      return { status: 204 };
    }),
    route('PUT', '/faults', async (ctx) => ({
      status: 200,
      json: control.setFaults(await readJsonObject(ctx)),
    })),
    route('POST', '/throttle', async (ctx) => {
      control.throttle((await readJsonObject(ctx)) as ThrottleOptions);
      return { status: 204 };
    }),
    route('PUT', '/settings', async (ctx) => ({
      status: 200,
      json: control.setSettings(await readJsonObject(ctx)),
    })),
    route('GET', '/replication', () => ({ status: 200, json: control.replication() })),
    route('PUT', '/replication', async (ctx) => {
      const b = await ctx.readJson().catch(() => {
        throw invalid('Body must be JSON');
      });
      return { status: 200, json: control.setReplication(b as ReplicationOptions) };
    }),
    route('GET', '/tenants', () => ({ status: 200, json: control.tenants() })),
    route('GET', '/tenants/:tenant', (ctx) => ({ status: 200, json: control.tenant(ctx.params.tenant!) })),
    route('POST', '/tenants/:tenant/consent', async (ctx) => {
      const b = await readJsonObject(ctx);
      return {
        status: 200,
        json: control.consent(ctx.params.tenant!, typeof b.appId === 'string' ? b.appId : undefined),
      };
    }),
    route('PUT', '/apps/:appId/redirectUris', async (ctx) => {
      const b = await readJsonObject(ctx);
      return { status: 200, json: control.setRedirectUris(ctx.params.appId!, b.redirectUris as string[]) };
    }),
    route('GET', '/requests', (ctx) => {
      const q = ctx.url.searchParams;
      const surface = q.get('surface');
      if (surface && !SURFACES.includes(surface as Surface))
        throw invalid(`surface must be one of ${SURFACES.join(', ')}`);
      return {
        status: 200,
        json: control.requests({
          ...(q.get('tenant') ? { tenant: q.get('tenant')! } : {}),
          ...(surface ? { surface: surface as Surface } : {}),
        }),
      };
    }),
    route('DELETE', '/requests', () => {
      control.clearRequests();
      return { status: 204 };
    }),
    ...armControlRoutes(control),
    ...callRecordsControlRoutes(control),
    ...callGeneratorControlRoutes(control),
  ];
};
