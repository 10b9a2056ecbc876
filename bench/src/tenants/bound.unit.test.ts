import { describe, expect, it } from 'vitest';
import { honouredRetryAfter, throttlingBound, unitsPerOnboarding, type LoggedCall } from './bound.ts';

const APP = '11111111-1111-4111-8111-111111111111';

describe('the throttling bound', () => {
  it('takes the units of one onboarding per limit and the slowest limit for n of them', () => {
    const units = unitsPerOnboarding({
      [`graph/Application/Write//`]: 4,
      [`graph/Tenant_Application/ReadWrite/${APP}/t1`]: 11,
      [`graph/Application/ReadWrite/${APP}/`]: 11,
    });
    expect(units).toEqual({
      'graph/Application/Write': 4,
      'graph/Tenant_Application/ReadWrite': 11,
      'graph/Application/ReadWrite': 11,
    });
    const bound = throttlingBound(
      [
        // 500 × 4 writes = 2,000; 1,400 pass at once, the other 600 at 1,400 / 300 s: 128.6 s.
        { surface: 'graph', scope: 'Application', limit: 'Write', quota: 1_400, windowSeconds: 300 },
        // 500 × 11 = 5,500 units; 3,000 at once, 2,500 at 150/s: 16.7 s.
        { surface: 'graph', scope: 'Application', limit: 'ReadWrite', quota: 3_000, windowSeconds: 20 },
        // One tenant's 11 units fit its 70.
        { surface: 'graph', scope: 'Tenant_Application', limit: 'ReadWrite', quota: 70, windowSeconds: 10 },
        // Nothing charged to the Teams limit.
        { surface: 'teams', scope: 'Application', limit: 'Write', quota: 1, windowSeconds: 300 },
      ],
      units,
      500,
    );
    expect(bound.binding).toBe('graph/Application/Write');
    expect(bound.seconds).toBeCloseTo(600 / (1_400 / 300), 6);
    expect(bound.perLimit.map((l) => Math.round(l.seconds * 10) / 10)).toEqual([128.6, 16.7, 0, 0]);
  });
});

describe('honoured Retry-After', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
  const call = (ms: number, c: Partial<LoggedCall>): LoggedCall => ({
    at: at(ms),
    surface: 'graph',
    method: 'GET',
    path: '/graph/v1.0/domains',
    status: 200,
    tenantId: 't1',
    ...c,
  });
  const th = (ms: number, scope: string, tenantId = 't1', retryAfter = 1) =>
    call(ms, { status: 429, retryAfter, throttleScope: `${scope}/${APP}/${tenantId}`, tenantId });

  it('counts a 429 honoured when nothing in its scope came before Retry-After elapsed', () => {
    const r = honouredRetryAfter([
      th(0, 'Tenant_Application/ReadWrite'),
      call(500, { tenantId: 't2' }), // another tenant: not in the scope
      call(600, { surface: 'teams' }), // another service
      call(1_000, {}), // at Retry-After: fine
      th(2_000, 'Tenant_Application/Write'),
      call(2_300, {}), // a read after a write limit's 429: fine
      call(2_400, { method: 'POST' }), // a write: early
      th(5_000, 'Application/ReadWrite', 't3'),
      call(5_020, { tenantId: 't4' }), // within the grace: on its way already
    ]);
    expect(r).toMatchObject({
      received: 3,
      honoured: 2,
      honouredWithInFlight: 1,
      earlyRequests: 1,
      inFlightRequests: 1,
    });
  });

  it('counts an app-wide 429 broken by any tenant of the app', () => {
    const r = honouredRetryAfter([th(0, 'Application/ReadWrite', 't1', 2), call(1_500, { tenantId: 't9' })]);
    expect(r).toMatchObject({ received: 1, honoured: 0, earlyRequests: 1, earlyAfterMs: { max: 1_500 } });
  });

  it('says how long after the 429 its early requests came, each once', () => {
    const r = honouredRetryAfter([
      th(0, 'Application/ReadWrite', 't1', 3),
      call(100, { tenantId: 't2' }),
      call(200, { tenantId: 't3' }),
      th(250, 'Application/ReadWrite', 't4', 3),
      call(2_000, { tenantId: 't5' }),
    ]);
    // The second 429 is a request inside the first one's Retry-After too.
    expect(r).toMatchObject({ received: 2, honoured: 0, earlyRequests: 4 });
    expect(r.earlyAfterMs).toEqual({ p50: 200, p90: 2_000, max: 2_000 });
    expect(honouredRetryAfter([th(0, 'Application/ReadWrite', 't1', 1)]).earlyAfterMs).toBeNull();
  });
});
