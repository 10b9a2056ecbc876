import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startM365Emulator, type M365Emulator } from '../src/index.ts';
import {
  appToken,
  CLIENT_ID,
  CLIENT_SECRET,
  CONTOSO,
  expectAadError,
  FABRIKAM,
  graph,
  GRAPH_DEFAULT,
  token,
} from './helpers.ts';

let emu: M365Emulator;
let contoso: string;
beforeAll(async () => {
  emu = await startM365Emulator({ dnsResolver: async () => [] });
});
afterAll(() => emu.stop());
beforeEach(async () => {
  await fetch(`${emu.urls.control}/reset`, { method: 'POST' });
  emu.control.consent('contoso');
  emu.control.consent('fabrikam');
  contoso = await appToken(emu, CONTOSO.id);
});

const control = (path: string, method: string, body?: unknown) =>
  fetch(`${emu.urls.control}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

describe('control API', () => {
  it('forces 429 with Retry-After for the next N Graph calls, then recovers', async () => {
    expect((await control('/throttle', 'POST', { count: 2, retryAfterSeconds: 7 })).status).toBe(204);
    for (let i = 0; i < 2; i++) {
      const r = await graph(emu, contoso, '/organization');
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
      expect(r.body.error).toMatchObject({
        code: 'TooManyRequests',
        innerError: { 'request-id': expect.any(String) },
      });
    }
    expect((await graph(emu, contoso, '/organization')).status).toBe(200);
  });

  it('scopes throttling by tenant and path, and can throttle the token endpoint', async () => {
    const fabrikam = await appToken(emu, FABRIKAM.id);
    emu.control.throttle({ count: 1, tenant: 'contoso', pathContains: '/domains' });
    expect((await graph(emu, fabrikam, '/domains')).status).toBe(200);
    expect((await graph(emu, contoso, '/organization')).status).toBe(200);
    expect((await graph(emu, contoso, '/domains')).status).toBe(429);
    emu.control.throttle({ count: 1, retryAfterSeconds: 3, surfaces: ['identity'] });
    const r = await token(emu, CONTOSO.id, {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: GRAPH_DEFAULT,
    });
    expect(r.status).toBe(429);
    expectAadError(r.body, 'temporarily_unavailable', 90033);
  });

  it('injects latency and an error rate', async () => {
    expect((await control('/faults', 'PUT', { latencyMs: 150 })).status).toBe(200);
    const t0 = Date.now();
    expect((await graph(emu, contoso, '/organization')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    emu.control.setFaults({ latencyMs: 0, errorRate: 1 });
    const r = await graph(emu, contoso, '/organization');
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('serviceNotAvailable');
    expect((await control('/faults', 'PUT', { errorRate: 2 })).status).toBe(400);
  });

  it('reads back what was created per tenant and the request log; reset restores the seed', async () => {
    await graph(emu, contoso, '/domains', { method: 'POST', body: { id: 'contoso.sbc.example.net' } });
    const snap = (await (await control('/tenants/contoso', 'GET')).json()) as any;
    expect(snap.id).toBe(CONTOSO.id);
    expect(snap.created.domains.map((d: any) => d.id)).toEqual(['contoso.sbc.example.net']);
    expect(snap.created.servicePrincipals.map((s: any) => s.appId)).toEqual([CLIENT_ID]);
    expect(snap.users.every((u: any) => !('password' in u))).toBe(true);
    const log = (await (
      await control(`/requests?tenant=${CONTOSO.id}&surface=graph`, 'GET')
    ).json()) as any[];
    expect(log).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/graph/v1.0/domains',
        status: 201,
        tenantId: CONTOSO.id,
      }),
    ]);
    await control('/reset', 'POST');
    const after = emu.control.tenant(CONTOSO.id);
    expect(after.created.domains).toEqual([]);
    expect(after.servicePrincipals.some((s) => s.appId === CLIENT_ID)).toBe(false);
    expect(emu.control.requests()).toEqual([]);
  });

  it('consents and replaces redirect URIs through HTTP', async () => {
    await control('/reset', 'POST');
    expect((await control('/tenants/northwind/consent', 'POST', {})).status).toBe(200);
    expect(emu.control.tenant('northwind').servicePrincipals.some((s) => s.appId === CLIENT_ID)).toBe(true);
    const r = await control(`/apps/${CLIENT_ID}/redirectUris`, 'PUT', {
      redirectUris: ['https://portal.example/cb'],
    });
    expect(await r.json()).toEqual(['https://portal.example/cb']);
    expect((await control('/tenants/nope', 'GET')).status).toBe(404);
  });
});
