import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import { appToken, CONTOSO, graph, TEAMS_DEFAULT } from './helpers.ts';

/** Fault storms over `PUT /_control/faults`: 5xx in Microsoft's envelopes from a seeded PRNG, 429 bursts, forced expiry. */
let emu: M365Emulator;
let contoso: string;
beforeAll(async () => {
  emu = await startM365Emulator({ dnsResolver: async () => [] });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  await fetch(`${emu.urls.control}/reset`, { method: 'POST' });
  emu.control.consent('contoso');
  contoso = await appToken(emu, CONTOSO.id);
});

const putFaults = async (body: unknown) => {
  const res = await fetch(`${emu.urls.control}/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};

const statuses = async (n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await graph(emu, contoso, '/organization')).status);
  return out;
};

describe('fault storms', () => {
  it('fails a seeded share of requests with 500/502/503/504, the same ones again for the same seed', async () => {
    const storm = { errorRate: 0.3, errorStatuses: [500, 502, 503, 504], seed: 42 };
    expect((await putFaults(storm)).status).toBe(200);
    const first = await statuses(80);
    expect((await putFaults(storm)).status).toBe(200);
    expect(await statuses(80)).toEqual(first);
    const failed = first.filter((s) => s !== 200);
    expect(failed.length).toBeGreaterThan(10);
    expect(failed.length).toBeLessThan(40);
    expect(new Set(failed)).toEqual(new Set([500, 502, 503, 504]));
    expect((await putFaults({ ...storm, seed: 7 })).status).toBe(200);
    expect(await statuses(80)).not.toEqual(first);
  });

  it("answers each injected status in Graph's envelope with request ids, and in the Teams admin API's", async () => {
    await putFaults({ errorRate: 1, errorStatuses: [500], surfaces: ['graph', 'teams'] });
    const res = await fetch(`${emu.urls.graph}/organization`, {
      headers: {
        authorization: `Bearer ${contoso}`,
        'client-request-id': 'c0ffee00-0000-4000-8000-000000000001',
      },
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('client-request-id')).toBe('c0ffee00-0000-4000-8000-000000000001');
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({
      code: 'generalException',
      innerError: {
        'request-id': res.headers.get('request-id'),
        'client-request-id': 'c0ffee00-0000-4000-8000-000000000001',
        date: expect.any(String),
      },
    });
    await putFaults({ errorStatuses: [504] });
    const teams = await appToken(emu, CONTOSO.id, TEAMS_DEFAULT);
    const t = await fetch(`${emu.urls.teams}/Teams.Tenant/serviceDiscovery`, {
      headers: { authorization: `Bearer ${teams}` },
    });
    expect(t.status).toBe(504);
    expect(t.headers.get('request-id')).toBeTruthy();
    expect(((await t.json()) as any).error).toMatchObject({
      code: 'UnknownError',
      message: 'Gateway Timeout',
    });
    // The injected failure comes before the handler: nothing changed.
    await putFaults({ errorStatuses: [502] });
    expect(
      (await graph(emu, contoso, '/domains', { method: 'POST', body: { id: 'storm.contoso.com' } })).status,
    ).toBe(502);
    expect(emu.control.tenant('contoso').created.domains).toEqual([]);
  });

  it('throttles every call inside a burst window with the seconds left as Retry-After, and none outside', async () => {
    await putFaults({ burst: { everySeconds: 3600, forSeconds: 20 } });
    const r = await graph(emu, contoso, '/organization');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(15);
    expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(20);
    expect(r.body.error).toMatchObject({ code: 'TooManyRequests', innerError: { code: '429' } });
    await putFaults({ burst: { everySeconds: 3600, forSeconds: 20, offsetSeconds: 600 } });
    expect((await graph(emu, contoso, '/organization')).status).toBe(200);
    await putFaults({ burst: { everySeconds: 3600, forSeconds: 20, retryAfterSeconds: 3 } });
    expect((await graph(emu, contoso, '/organization')).headers.get('retry-after')).toBe('3');
    await putFaults({ burst: null });
    expect((await graph(emu, contoso, '/organization')).status).toBe(200);
  });

  it('expires tokens issued before a time on every resource with the real 401, while new ones work', async () => {
    const teams = await appToken(emu, CONTOSO.id, TEAMS_DEFAULT);
    // A second later, so the cut-off (whole seconds, like `iat`) is after both tokens were issued.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await putFaults({ tokensIssuedBefore: 'now' })).status).toBe(200);
    const g = await graph(emu, contoso, '/organization');
    expect(g.status).toBe(401);
    expect(g.body.error).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message: 'Lifetime validation failed, the token is expired.',
    });
    const t = await fetch(`${emu.urls.teams}/Teams.Tenant/serviceDiscovery`, {
      headers: { authorization: `Bearer ${teams}` },
    });
    expect(t.status).toBe(401);
    expect(((await t.json()) as any).error.message).toBe('Lifetime validation failed, the token is expired.');
    expect((await graph(emu, await appToken(emu, CONTOSO.id), '/organization')).status).toBe(200);
    await putFaults({ tokensIssuedBefore: null });
    expect((await graph(emu, contoso, '/organization')).status).toBe(200);
  });

  it('refuses malformed storms', async () => {
    for (const body of [
      { errorStatuses: [418] },
      { errorStatuses: [] },
      { seed: -1 },
      { burst: { everySeconds: 1, forSeconds: 5 } },
      { burst: { forSeconds: 0, everySeconds: 10 } },
      { tokensIssuedBefore: 'yesterday' },
    ])
      expect((await putFaults(body)).status, JSON.stringify(body)).toBe(400);
  });
});
