import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, expectStatus } from '../support/client.ts';
import { ADMIN, PUBLIC_URL, startTestServer, type TestServer } from '../support/server.ts';

/**
 * One rule for every write a browser could be tricked into sending: a request that carries the session
 * cookie (valid, stale or forged) or says it comes from a browser (Origin, Sec-Fetch-Site) must come from
 * the portal's own origin. Bearer requests and plain scripts (no cookie, no browser headers) are not
 * browsers' and pass.
 */
describe('cross-site request forgery', () => {
  let server: TestServer;
  let routes: { method: string; path: string }[];
  beforeAll(async () => {
    server = await startTestServer();
    const spec = expectStatus(await server.client().get('/api/openapi.json'), 200) as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })),
    );
  });
  afterAll(() => server?.close());

  const bare = () => new Client(server.url, null);
  const signIn = (c: Client, headers: Record<string, string>) =>
    c.request('POST', '/api/v1/session', ADMIN, headers);

  it('refuses a sign-in that carries a stale cookie and a foreign Origin', async () => {
    const c = bare();
    c.cookie = 'trunkline_session=tls_expired-or-forged';
    const res = await signIn(c, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('csrf_rejected');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a sign-in that a browser marks cross-site or same-site, with or without Origin', async () => {
    for (const site of ['cross-site', 'same-site', 'none']) {
      const res = await signIn(bare(), { 'sec-fetch-site': site });
      expect(res.status, site).toBe(403);
      expect(res.body.code).toBe('csrf_rejected');
    }
    const lying = await signIn(bare(), { 'sec-fetch-site': 'cross-site', origin: PUBLIC_URL });
    expect(lying.status).toBe(403);
  });

  it('refuses a cookie-carrying write that the browser marks cross-site, even with the portal Origin', async () => {
    const admin = await server.admin();
    const res = await admin.request(
      'POST',
      '/api/v1/channels',
      { name: 'Cross-site' },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('csrf_rejected');
  });

  it('refuses a cookie-carrying sign-out from a foreign origin', async () => {
    const admin = await server.admin();
    const res = await admin.request('DELETE', '/api/v1/session', undefined, {
      origin: 'https://evil.example',
    });
    expect(res.status).toBe(403);
    expect((await admin.get('/api/v1/me')).status).toBe(200);
  });

  it('answers 403 csrf_rejected on every write route for a signed-in cookie from a foreign origin', async () => {
    const admin = await server.admin();
    const writes = routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
    expect(writes.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const r of writes) {
      const path = r.path.replaceAll(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const foreign: Record<string, string>[] = [
        { origin: 'https://evil.example' },
        { 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of foreign) {
        const res = await admin.request(r.method, path, {}, headers);
        if (res.status !== 403 || res.body?.code !== 'csrf_rejected')
          failures.push(`${r.method} ${r.path} ${JSON.stringify(headers)}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('accepts the portal itself, scripts without a browser, and Bearer tokens', async () => {
    expect((await signIn(bare(), { 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await signIn(bare(), { origin: PUBLIC_URL })).status).toBe(200);
    const script = bare();
    expect((await signIn(script, {})).status).toBe(200);
    const stale = bare();
    stale.cookie = 'trunkline_session=tls_expired';
    expect((await signIn(stale, { 'sec-fetch-site': 'same-origin', origin: PUBLIC_URL })).status).toBe(200);
    const admin = await server.admin();
    const { token } = expectStatus(await admin.post('/api/v1/api-tokens', { name: 'csrf test' }), 201);
    const bearer = bare();
    bearer.bearer = token;
    const res = await bearer.request(
      'POST',
      '/api/v1/channels',
      { name: 'By token' },
      {
        origin: 'https://evil.example',
      },
    );
    expect(res.status).toBe(201);
  });
});
