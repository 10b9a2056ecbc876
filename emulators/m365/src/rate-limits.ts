import { EmulatorError, isObject, route, type Ctx, type Route } from './http.ts';

/**
 * Throttling by rate, as Microsoft Graph does it (off unless limits are given: the `rateLimits` start option or
 * `PUT /_control/rate-limits`). Each limit is a token bucket per key, the way Graph's identity and access service
 * limits are described (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits,
 * "Throttling is based on a token bucket algorithm … Only the requests exceeding the limits will be throttled"):
 * it holds `quota` units, refills at `quota` per `windowSeconds`, and a request whose cost the bucket cannot pay
 * is answered 429 with `Retry-After` (whole seconds until the bucket can pay it), `x-ms-throttle-scope`
 * (`<Scope>/<Limit>/<ApplicationId>/<TenantId>`) and `x-ms-throttle-information`, and costs nothing. A request
 * is checked against every limit of its surface that applies to it; the first one that cannot pay decides.
 *
 * Scopes (from the access token's `appid`/`azp` and `tid`): `Tenant_Application` (this app in this tenant),
 * `Application` (this app across all tenants), `Tenant` (every app in this tenant). Units: `ReadWrite` counts
 * resource units (Graph's base cost table: most requests 1, `GET subscribedSkus` 3, a `GET users` list 2, …;
 * `$select` and `$top` < 20 cost one less, `$expand` one more, never below 1), `Write` counts writes (POST, PUT,
 * PATCH, DELETE cost 1, reads 0), `Requests` counts requests (Graph's global limit).
 */

export type RateLimitScope = 'Tenant_Application' | 'Application' | 'Tenant';
export type RateLimitUnit = 'ReadWrite' | 'Write' | 'Requests';
export type RateLimit = {
  /** Which service the limit belongs to: Microsoft Graph or the Teams admin API. */
  surface: 'graph' | 'teams';
  scope: RateLimitScope;
  limit: RateLimitUnit;
  /** Units the bucket holds (a burst of this much passes at once). */
  quota: number;
  /** Time to refill the whole quota. */
  windowSeconds: number;
};

/**
 * Graph's published limits (learn.microsoft.com/graph/throttling-limits, as of 2025): the global limit (any
 * request, per app across all tenants: 130,000 per 10 s) and the identity and access service limits, which are
 * what the onboarding calls (domains, users, licences, directory roles): per app and tenant 3,500 resource units
 * per 10 s (an S tenant, under 50 users; M 5,000, L 8,000) and 3,000 writes per 150 s; per app 150,000 resource
 * units per 20 s and 70,000 writes per 5 min; per tenant 18,000 writes per 5 min.
 */
export const GRAPH_PUBLISHED_LIMITS: RateLimit[] = [
  { surface: 'graph', scope: 'Application', limit: 'Requests', quota: 130_000, windowSeconds: 10 },
  { surface: 'graph', scope: 'Tenant_Application', limit: 'ReadWrite', quota: 3_500, windowSeconds: 10 },
  { surface: 'graph', scope: 'Tenant_Application', limit: 'Write', quota: 3_000, windowSeconds: 150 },
  { surface: 'graph', scope: 'Application', limit: 'ReadWrite', quota: 150_000, windowSeconds: 20 },
  { surface: 'graph', scope: 'Application', limit: 'Write', quota: 70_000, windowSeconds: 300 },
  { surface: 'graph', scope: 'Tenant', limit: 'Write', quota: 18_000, windowSeconds: 300 },
];

/**
 * The Teams admin API (`api.interfaces.records.teams.microsoft.com`, behind the Teams PowerShell module) throttles
 * too, but Microsoft publishes no figures for it: assumed here to have the shape and size of Graph's identity
 * limits (per app and tenant, per app), which is an assumption, not a documented fact.
 */
export const TEAMS_ASSUMED_LIMITS: RateLimit[] = GRAPH_PUBLISHED_LIMITS.filter(
  (l) => l.scope !== 'Tenant' && l.limit !== 'Requests',
).map((l) => ({ ...l, surface: 'teams' }));

/** The limits with every quota divided by `divisor` (windows kept; at least 1 unit), for runs that must hit them. */
export const scaledRateLimits = (limits: RateLimit[], divisor: number): RateLimit[] =>
  limits.map((l) => ({ ...l, quota: Math.max(1, Math.floor(l.quota / divisor)) }));

/** Graph's base resource-unit costs that differ from 1 (the table of the identity and access limits). */
const COSTS: { method: string; pattern: RegExp; cost: number }[] = [
  { method: 'GET', pattern: /^\/applications\/?$/i, cost: 2 },
  { method: 'GET', pattern: /^\/applications\/[^/]+\/extensionProperties$/i, cost: 2 },
  { method: 'GET', pattern: /^\/contracts\/?$/i, cost: 3 },
  { method: 'POST', pattern: /^\/directoryObjects\/getByIds$/i, cost: 3 },
  { method: 'GET', pattern: /^\/domains\/[^/]+\/domainNameReferences$/i, cost: 4 },
  { method: 'GET', pattern: /^\/groups\/[^/]+\/members$/i, cost: 3 },
  { method: 'GET', pattern: /^\/groups\/[^/]+\/transitiveMembers$/i, cost: 5 },
  {
    method: 'GET',
    pattern: /^\/(me|users\/[^/]+)\/(licenseDetails|memberOf|ownedObjects|transitiveMemberOf)$/i,
    cost: 2,
  },
  { method: 'GET', pattern: /^\/oauth2PermissionGrants(\/[^/]+)?$/i, cost: 2 },
  { method: 'GET', pattern: /^\/servicePrincipals\/[^/]+\/appRoleAssignments$/i, cost: 2 },
  { method: 'GET', pattern: /^\/subscribedSkus\/?$/i, cost: 3 },
  { method: 'GET', pattern: /^\/users\/?$/i, cost: 2 },
];

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A request's cost in resource units (Graph's table and query modifiers; the Teams admin API: 1). */
export function resourceUnits(
  surface: 'graph' | 'teams',
  method: string,
  path: string,
  query: URLSearchParams,
) {
  if (surface !== 'graph') return 1;
  const pathOnly = path.replace(/^\/v1\.0|^\/beta/i, '');
  let cost = COSTS.find((c) => c.method === method && c.pattern.test(pathOnly))?.cost ?? 1;
  if (query.has('$select')) cost -= 1;
  if (query.has('$expand')) cost += 1;
  const top = Number(query.get('$top'));
  if (query.has('$top') && Number.isFinite(top) && top < 20) cost -= 1;
  return Math.max(1, cost);
}

/** The access token's app and tenant, read only to key the buckets (the handlers verify the token). */
const tokenKeys = (authorization: string | undefined): { app: string; tenant: string } | null => {
  const m = /^Bearer\s+[^.]+\.([^.]+)\./i.exec(authorization ?? '');
  if (!m) return null;
  try {
    const c = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const app = typeof c.appid === 'string' ? c.appid : typeof c.azp === 'string' ? c.azp : null;
    const tenant = typeof c.tid === 'string' ? c.tid : null;
    return app && tenant ? { app, tenant } : null;
  } catch {
    return null;
  }
};

const invalid = (message: string) => new EmulatorError(400, 'invalid', message);

/** Checks a list of limits from JSON (the control API) and answers it typed. */
export function parseRateLimits(value: unknown): RateLimit[] {
  if (!Array.isArray(value)) throw invalid('limits must be a list');
  return value.map((v, i) => {
    if (!isObject(v)) throw invalid(`limits[${i}] must be an object`);
    const { surface, scope, limit, quota, windowSeconds } = v;
    if (surface !== 'graph' && surface !== 'teams')
      throw invalid(`limits[${i}].surface must be graph or teams`);
    if (scope !== 'Tenant_Application' && scope !== 'Application' && scope !== 'Tenant')
      throw invalid(`limits[${i}].scope must be Tenant_Application, Application or Tenant`);
    if (limit !== 'ReadWrite' && limit !== 'Write' && limit !== 'Requests')
      throw invalid(`limits[${i}].limit must be ReadWrite, Write or Requests`);
    if (typeof quota !== 'number' || !Number.isInteger(quota) || quota < 1)
      throw invalid(`limits[${i}].quota must be a positive integer`);
    if (typeof windowSeconds !== 'number' || !(windowSeconds > 0) || windowSeconds > 86_400)
      throw invalid(`limits[${i}].windowSeconds must be more than 0 and at most 86400`);
    return { surface, scope, limit, quota, windowSeconds };
  });
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

export function createRateLimiter(initial: RateLimit[] = [], now: () => number = () => Date.now()) {
  let limits = parseRateLimits(initial);
  /** Bucket key → units left and when they were counted. */
  const buckets = new Map<string, { units: number; at: number }>();
  /** Bucket key → units charged since the limits were set (what a run cost, by the emulator's own count). */
  const charged = new Map<string, number>();
  let throttled = 0;
  const unitsOf = (l: RateLimit, ctx: Ctx, surface: 'graph' | 'teams') =>
    l.limit === 'Requests'
      ? 1
      : l.limit === 'Write'
        ? WRITES.has(ctx.method)
          ? 1
          : 0
        : resourceUnits(surface, ctx.method, ctx.path, ctx.url.searchParams);
  const keyOf = (l: RateLimit, app: string, tenant: string) =>
    `${l.surface}/${l.scope}/${l.limit}/${l.scope === 'Tenant' ? '' : app}/${l.scope === 'Application' ? '' : tenant}`;

  return {
    limits: () => limits.map((l) => ({ ...l })),
    /** Replaces the limits (an empty list turns throttling off) and starts every bucket full. */
    set(next: unknown) {
      limits = parseRateLimits(next);
      buckets.clear();
      charged.clear();
      throttled = 0;
      return this.limits();
    },
    reset() {
      limits = [];
      buckets.clear();
      charged.clear();
      throttled = 0;
    },
    /** Units charged per bucket key (`<surface>/<Scope>/<Limit>/<appId>/<tenantId>`) since the limits were set. */
    charged: () => Object.fromEntries(charged),
    /** 429s answered since the limits were set. */
    throttled: () => throttled,
    /**
     * Charges the request to every bucket it falls in, or throws the 429 of the first bucket that cannot pay
     * (nothing is charged then). Identity and control requests, and requests without an app token, pass.
     */
    check(ctx: Ctx) {
      if (!limits.length || (ctx.surface !== 'graph' && ctx.surface !== 'teams')) return;
      const surface = ctx.surface;
      const keys = tokenKeys(ctx.req.headers.authorization);
      if (!keys) return;
      const t = now();
      const charges: { key: string; bucket: { units: number; at: number }; units: number }[] = [];
      for (const l of limits) {
        if (l.surface !== surface) continue;
        const units = unitsOf(l, ctx, surface);
        if (units === 0) continue;
        const key = keyOf(l, keys.app, keys.tenant);
        const perMs = l.quota / (l.windowSeconds * 1000);
        const b = buckets.get(key) ?? { units: l.quota, at: t };
        b.units = Math.min(l.quota, b.units + (t - b.at) * perMs);
        b.at = t;
        buckets.set(key, b);
        if (b.units + 1e-9 < units) {
          throttled++;
          const retryAfter = Math.max(1, Math.ceil((units - b.units) / perMs / 1000));
          throw new EmulatorError(
            429,
            'TooManyRequests',
            'Too many requests. Please retry after the time given in the Retry-After header.',
            {
              headers: {
                'retry-after': String(retryAfter),
                'x-ms-throttle-scope': `${l.scope}/${l.limit === 'Write' ? 'Write' : 'ReadWrite'}/${keys.app}/${keys.tenant}`,
                'x-ms-throttle-information':
                  l.limit === 'Write' ? 'WriteLimitExceeded' : 'ResourceUnitLimitExceeded',
              },
              extra: { innerCode: '429' },
            },
          );
        }
        charges.push({ key, bucket: b, units });
      }
      for (const c of charges) {
        c.bucket.units -= c.units;
        charged.set(c.key, (charged.get(c.key) ?? 0) + c.units);
      }
    },
  };
}

/** `GET`/`PUT /_control/rate-limits`: the limits in force (`{ limits: [...] }`; an empty list turns them off). */
export const rateLimitRoutes = (limiter: RateLimiter): Route[] => [
  route('GET', '/rate-limits', () => ({
    status: 200,
    json: { limits: limiter.limits(), throttled: limiter.throttled(), charged: limiter.charged() },
  })),
  route('PUT', '/rate-limits', async (ctx) => {
    const body = await ctx.readJson().catch(() => {
      throw invalid('Body must be JSON');
    });
    if (!isObject(body)) throw invalid('Body must be a JSON object');
    return { status: 200, json: { limits: limiter.set(body.limits), throttled: 0, charged: {} } };
  }),
];
