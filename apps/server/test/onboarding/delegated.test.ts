import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectStatus, type Client } from '../support/client.ts';
import { eventually } from '../support/eventually.ts';
import { followCallback, inviteService, submitMicrosoftPage } from '../support/microsoft.ts';
import { PUBLIC_URL, startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

/** Delegated Token: invitation link → Microsoft sign-in (authorization code + PKCE) → connected; token refresh. */
describe('delegated token from an invitation link', () => {
  let server: TestServer;
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;

  beforeAll(async () => {
    ({ server, close } = await startTestServerWithMicrosoft());
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Delegating customer' }), 201).id;
  });
  afterAll(() => close?.());

  const sealedToken = async (serviceId: string) =>
    (
      await queryRows<{ t: string }>(
        server.runtime.handle.db,
        sql`select refresh_token_sealed as t from service_connections where service_id = ${serviceId}`,
      )
    )[0]!.t;

  it("connects with the admin's delegated token (PKCE, login_hint, offline_access), and refreshes it", async () => {
    const { svc, token } = await inviteService(admin, customerId, 'delegated-1');
    const { redirectUrl } = expectStatus(
      await server
        .client()
        .post('/api/v1/invitations/delegated', { token, loginHint: 'admin@contoso.onmicrosoft.com' }),
      200,
    );
    const start = new URL(redirectUrl);
    expect(start.pathname).toBe('/organizations/oauth2/v2.0/authorize');
    expect(start.searchParams.get('code_challenge_method')).toBe('S256');
    expect(start.searchParams.get('login_hint')).toBe('admin@contoso.onmicrosoft.com');
    expect(start.searchParams.get('scope')).toContain('offline_access');
    expect(start.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/api/v1/microsoft/callback`);

    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, {
      username: 'admin@contoso.onmicrosoft.com',
      password: 'Contoso-Admin-1!',
      consent_org: 'true',
      action: 'accept',
    });
    expect(fromMicrosoft.searchParams.get('code')).toBeTruthy();
    const back = await followCallback(server, fromMicrosoft);
    expect(back.searchParams.get('consent'), back.searchParams.get('message') ?? '').toBe('done');
    expect(`${back.origin}${back.pathname}`).toBe(`${PUBLIC_URL}/invite/${token}`);

    const status = expectStatus(await admin.get(`/api/v1/services/${svc.id}/connection`), 200);
    expect(status).toMatchObject({
      state: 'connected',
      method: 'delegated',
      adminUsername: 'admin@contoso.onmicrosoft.com',
      tenantId: '4b218318-131d-4d7c-ad86-12594fda0d94',
    });
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe('connected');
    // The Teams-role check that follows a connection uses (and so rotates) the delegated token too: wait for it to
    // finish, so the refreshes below are the only ones and each sees the token the one before stored.
    await eventually('the Teams role check after connecting', async () => {
      const connection = expectStatus(await admin.get(`/api/v1/services/${svc.id}/connection`), 200);
      return connection.teamsRole.state !== 'unknown';
    });
    const first = await sealedToken(svc.id);
    expect(first).toMatch(/^tlv1\./);
    expect((await followCallback(server, fromMicrosoft)).searchParams.get('consent')).toBe('invalid-state');

    // The scheduled refresh: a rotated refresh token is stored every time, and the next refresh uses it.
    const future = new Date(Date.now() + 60_000);
    expect(await server.runtime.services.connections.refreshTokens(future)).toEqual({
      refreshed: 1,
      failed: 0,
    });
    const second = await sealedToken(svc.id);
    expect(second).not.toBe(first);
    expect(await server.runtime.services.connections.refreshTokens(new Date(Date.now() + 120_000))).toEqual({
      refreshed: 1,
      failed: 0,
    });
    expect(await server.runtime.services.connections.refreshTokens(new Date(Date.now() - 3600_000))).toEqual({
      refreshed: 0,
      failed: 0,
    });
  });

  it('returns a refused sign-in to the invitation page, which stays usable', async () => {
    const { svc, token } = await inviteService(admin, customerId, 'delegated-2');
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/delegated', { token }),
      200,
    );
    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, { action: 'cancel' });
    expect(fromMicrosoft.searchParams.get('error')).toBeTruthy();
    const back = await followCallback(server, fromMicrosoft);
    expect(back.searchParams.get('consent')).toBe('denied');
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe(
      'pending-invitation',
    );
    expect(expectStatus(await server.client().post('/api/v1/invitations/open', { token }), 200).state).toBe(
      'valid',
    );
  });
});
