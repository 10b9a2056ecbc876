import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GRAPH_PUBLISHED_LIMITS,
  resourceUnits,
  scaledRateLimits,
  seedWithTenants,
  startM365Emulator,
  type M365Emulator,
  type RateLimit,
} from '../src/index.ts';
import { appToken, CONTOSO, graph, TEAMS_DEFAULT } from './helpers.ts';

/** Throttling by rate (`PUT /_control/rate-limits`): token buckets per app and tenant, per app, per tenant. */
let emu: M365Emulator;
let contoso: string;
let other: string;
beforeAll(async () => {
  emu = await startM365Emulator({ dnsResolver: async () => [], seed: seedWithTenants(['rl-other']) });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  await fetch(`${emu.urls.control}/reset`, { method: 'POST' });
  emu.control.consent('contoso');
  emu.control.consent('rl-other');
  contoso = await appToken(emu, CONTOSO.id);
  other = await appToken(emu, emu.control.tenant('rl-other').id);
});

const putLimits = async (limits: unknown) => {
  const res = await fetch(`${emu.urls.control}/rate-limits`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ limits }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

const limit = (l: Partial<RateLimit>): RateLimit => ({
  surface: 'graph',
  scope: 'Tenant_Application',
  limit: 'ReadWrite',
  quota: 3,
  windowSeconds: 60,
  ...l,
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and the throttle scope once an app spends a tenant’s quota, and refills', async () => {
    expect((await putLimits([limit({ quota: 3, windowSeconds: 3 })])).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await graph(emu, contoso, '/organization')).status).toBe(200);
    const r = await graph(emu, contoso, '/organization');
    expect(r.status).toBe(429);
    expect(r.body.error).toMatchObject({ code: 'TooManyRequests', innerError: { code: '429' } });
    expect(Number(r.headers.get('retry-after'))).toBe(1);
    expect(r.headers.get('x-ms-throttle-scope')).toMatch(
      new RegExp(`^Tenant_Application/ReadWrite/[0-9a-f-]{36}/${CONTOSO.id}$`),
    );
    expect(r.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
    // Another tenant of the same app has its own bucket.
    expect((await graph(emu, other, '/organization')).status).toBe(200);
    // A throttled request costs nothing: after Retry-After one unit is back.
    await new Promise((res) => setTimeout(res, 1050));
    expect((await graph(emu, contoso, '/organization')).status).toBe(200);
    expect((await graph(emu, contoso, '/organization')).status).toBe(429);
    const state = (await (await fetch(`${emu.urls.control}/rate-limits`)).json()) as any;
    expect(state.throttled).toBe(2);
    expect(Object.values(state.charged).reduce((a: number, b) => a + (b as number), 0)).toBe(5);
    const log = emu.control.requests({ tenant: 'contoso' }).filter((x) => x.status === 429);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      retryAfter: 1,
      throttleScope: expect.stringMatching(/^Tenant_Application/),
    });
  });

  it('limits the app across tenants, counts writes apart from reads, and the Teams admin API on its own', async () => {
    await putLimits([
      limit({ scope: 'Application', quota: 4 }),
      limit({ limit: 'Write', quota: 1, windowSeconds: 150 }),
    ]);
    expect((await graph(emu, contoso, '/organization')).status).toBe(200);
    const write = await graph(emu, contoso, '/domains', { method: 'POST', body: { id: 'rl.contoso.com' } });
    expect(write.status).toBe(201);
    const second = await graph(emu, contoso, '/domains', { method: 'POST', body: { id: 'rl2.contoso.com' } });
    expect(second.status).toBe(429);
    expect(second.headers.get('x-ms-throttle-information')).toBe('WriteLimitExceeded');
    expect(Number(second.headers.get('retry-after'))).toBe(150);
    expect(emu.control.tenant('contoso').created.domains.map((d) => d.id)).toEqual(['rl.contoso.com']);
    // Reads still pass for contoso; the app's fourth unit goes to another tenant, the fifth is refused.
    expect((await graph(emu, contoso, '/organization')).status).toBe(200);
    expect((await graph(emu, other, '/organization')).status).toBe(200);
    const app = await graph(emu, other, '/organization');
    expect(app.status).toBe(429);
    expect(app.headers.get('x-ms-throttle-scope')).toMatch(/^Application\/ReadWrite\//);
    // The Teams admin API has no limits here.
    const teams = await appToken(emu, CONTOSO.id, TEAMS_DEFAULT);
    const t = await fetch(`${emu.urls.teams}/Teams.Tenant/serviceDiscovery`, {
      headers: { authorization: `Bearer ${teams}` },
    });
    expect(t.status).toBe(200);
    // An empty list turns throttling off; reset does too.
    await putLimits([]);
    expect((await graph(emu, other, '/organization')).status).toBe(200);
    await putLimits([limit({ quota: 1 })]);
    await fetch(`${emu.urls.control}/reset`, { method: 'POST' });
    for (let i = 0; i < 3; i++) expect((await graph(emu, other, '/organization')).status).toBe(200);
  });

  it("costs requests by Graph's table", () => {
    const q = (s = '') => new URLSearchParams(s);
    expect(resourceUnits('graph', 'GET', '/subscribedSkus', q())).toBe(3);
    expect(resourceUnits('graph', 'GET', '/users', q())).toBe(2);
    expect(resourceUnits('graph', 'GET', '/users', q('$select=id'))).toBe(1);
    expect(resourceUnits('graph', 'GET', '/users/x', q())).toBe(1);
    expect(resourceUnits('graph', 'GET', '/users/x', q('$select=id&$top=5'))).toBe(1);
    expect(resourceUnits('graph', 'GET', '/groups/g/transitiveMembers', q('$expand=x'))).toBe(6);
    expect(resourceUnits('graph', 'POST', '/domains', q())).toBe(1);
    expect(resourceUnits('teams', 'GET', '/Teams.Tenant/serviceDiscovery', q())).toBe(1);
  });

  it('keeps the published limits and scales them for runs that must hit them; refuses malformed limits', async () => {
    expect(GRAPH_PUBLISHED_LIMITS).toContainEqual({
      surface: 'graph',
      scope: 'Tenant_Application',
      limit: 'ReadWrite',
      quota: 3_500,
      windowSeconds: 10,
    });
    expect(scaledRateLimits(GRAPH_PUBLISHED_LIMITS, 1000).map((l) => l.quota)).toEqual([
      130, 3, 3, 150, 70, 18,
    ]);
    for (const bad of [
      [limit({ quota: 0 })],
      [limit({ windowSeconds: 0 })],
      [{ ...limit({}), scope: 'Everyone' }],
      [{ ...limit({}), surface: 'identity' }],
      'all',
    ])
      expect((await putLimits(bad)).status, JSON.stringify(bad)).toBe(400);
  });
});
