import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenCreatedSchema, ApiTokenListSchema, MeSchema } from '@trunkline/contracts';
import { Client, expectBody, expectProblem, expectStatus } from '../support/client.ts';
import { ADMIN, PUBLIC_URL, startTestServer, type TestServer } from '../support/server.ts';

describe('sign-in, sessions, CSRF and API tokens', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGIN_MAX_FAILURES: '3' });
  });
  afterAll(() => server?.close());

  it('creates the provider admin on first start and lets it sign in with an httpOnly, SameSite=Lax cookie', async () => {
    const c = server.client();
    const res = await c.post('/api/v1/session', ADMIN);
    expect(expectBody(res, 200, MeSchema)).toMatchObject({
      email: ADMIN.email,
      role: 'provider_admin',
      authenticatedBy: 'session',
    });
    const cookie = res.headers.getSetCookie().find((v) => v.startsWith('trunkline_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    expect(expectBody(await c.get('/api/v1/me'), 200, MeSchema).email).toBe(ADMIN.email);
  });

  it('answers null without a session and after logout, and 401 problem+json for an ended session', async () => {
    const c = server.client();
    // Signed out is an ordinary answer (issue #10): the login page asks without a console error.
    expect(expectStatus(await c.get('/api/v1/me'), 200)).toBeNull();
    expect((await c.get('/api/v1/channels')).status).toBe(401);
    await c.login(ADMIN.email, ADMIN.password);
    const stolen = c.cookie;
    expectStatus(await c.delete('/api/v1/session'), 204);
    expect(expectStatus(await c.get('/api/v1/me'), 200)).toBeNull();
    const replay = new Client(server.url, PUBLIC_URL);
    replay.cookie = stolen;
    expectProblem(await replay.get('/api/v1/me'), 401, 'unauthenticated');
  });

  it('rejects a wrong password with one message that does not say which part was wrong', async () => {
    const c = server.client();
    const wrong = await c.post('/api/v1/session', { email: ADMIN.email, password: 'wrong password' });
    const unknown = await c.post('/api/v1/session', {
      email: 'nobody@example.com',
      password: 'wrong password',
    });
    expect(expectProblem(wrong, 401).detail).toBe(expectProblem(unknown, 401).detail);
  });

  it('refuses cookie-authenticated writes from another origin, accepts same-origin ones', async () => {
    const c = await server.admin();
    const crossSite = await c.request(
      'POST',
      '/api/v1/channels',
      { name: 'Evil' },
      { origin: 'https://evil.example' },
    );
    expectProblem(crossSite, 403, 'csrf_rejected');
    const noOrigin = new Client(server.url, null);
    noOrigin.cookie = c.cookie;
    expect((await noOrigin.post('/api/v1/channels', { name: 'No origin' })).status).toBe(403);
    const sameOrigin = await noOrigin.request(
      'POST',
      '/api/v1/channels',
      { name: 'Fetch metadata' },
      { 'sec-fetch-site': 'same-origin' },
    );
    expect(sameOrigin.status).toBe(201);
    expect((await c.post('/api/v1/channels', { name: 'With origin' })).status).toBe(201);
    // Reads need no origin.
    expect((await noOrigin.get('/api/v1/channels')).status).toBe(200);
  });

  it('issues API tokens shown once, usable as Bearer without CSRF checks, and revocable', async () => {
    const c = await server.admin();
    const created = expectBody(
      await c.post('/api/v1/api-tokens', { name: 'ci script' }),
      201,
      ApiTokenCreatedSchema,
    );
    expect(created.token).toMatch(/^tlk_/);
    const listed = await c.get('/api/v1/api-tokens');
    expect(expectBody(listed, 200, ApiTokenListSchema).items).toEqual([
      expect.objectContaining({ id: created.id, name: 'ci script', lastUsedAt: null }),
    ]);
    // The raw answer, not the parsed one: parsing would drop a field the contract does not name.
    expect(listed.text).not.toContain(created.token);

    const script = new Client(server.url, null);
    script.bearer = created.token;
    expect(expectBody(await script.get('/api/v1/me'), 200, MeSchema)).toMatchObject({
      email: ADMIN.email,
      authenticatedBy: 'api-token',
    });
    expect((await script.post('/api/v1/channels', { name: 'From a script' })).status).toBe(201);
    expect(expectStatus(await c.get('/api/v1/api-tokens'), 200).items[0].lastUsedAt).not.toBeNull();

    expectStatus(await c.delete(`/api/v1/api-tokens/${created.id}`), 204);
    expect((await script.get('/api/v1/me')).status).toBe(401);
    const bogus = new Client(server.url, null);
    bogus.bearer = 'tlk_not-a-real-token';
    expect((await bogus.get('/api/v1/me')).status).toBe(401);
  });

  it('throttles repeated failures for an e-mail with 429 and Retry-After, even for the right password', async () => {
    const c = server.client();
    const email = 'throttled@example.com';
    const admin = await server.admin();
    expectStatus(
      await admin.post('/api/v1/users', {
        email,
        name: 'T',
        role: 'provider_admin',
        password: 'the right password',
      }),
      201,
    );
    for (let i = 0; i < 3; i++)
      expect((await c.post('/api/v1/session', { email, password: `wrong ${i}` })).status).toBe(401);
    const blocked = await c.post('/api/v1/session', { email, password: 'the right password' });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('ends the sessions of a user whose password is reset or who is disabled', async () => {
    const admin = await server.admin();
    const user = expectStatus(
      await admin.post('/api/v1/users', {
        email: 'reset@example.com',
        name: 'R',
        role: 'provider_admin',
        password: 'first password!',
      }),
      201,
    );
    const c = server.client();
    await c.login('reset@example.com', 'first password!');
    expectStatus(await admin.patch(`/api/v1/users/${user.id}`, { password: 'second password!' }), 200);
    expect((await c.get('/api/v1/me')).status).toBe(401);
    await c.login('reset@example.com', 'second password!');
    expectStatus(await admin.patch(`/api/v1/users/${user.id}`, { disabled: true }), 200);
    expect((await c.get('/api/v1/me')).status).toBe(401);
    expect(
      (await c.post('/api/v1/session', { email: 'reset@example.com', password: 'second password!' })).status,
    ).toBe(401);
  });

  it('serves health, readiness, OpenAPI 3.1 and the docs page', async () => {
    const c = server.client();
    expect(expectStatus(await c.get('/healthz'), 200)).toEqual({ status: 'ok' });
    expect(expectStatus(await c.get('/readyz'), 200)).toEqual({
      status: 'ready',
      database: 'ok',
      jobs: 'ok',
    });
    const spec = expectStatus(await c.get('/api/openapi.json'), 200);
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/session', '/api/v1/customers/{id}', '/api/v1/users']),
    );
    expect((await c.get('/api/docs')).status).toBeLessThan(400);
    expect((await c.get('/api/v1/nope')).status).toBe(401);
    const unknown = await (await server.admin()).get('/api/v1/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
  });
});
