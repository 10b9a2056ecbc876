import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed } from '@trunkline/emulator-m365';
import { expectStatus, type Client } from '../support/client.ts';
import { followCallback, inviteService, submitMicrosoftPage } from '../support/microsoft.ts';
import { PUBLIC_URL, startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

/**
 * Application Registration, consent to the provider's app: invitation link → Microsoft's admin-consent page
 * (the emulator's, driven over HTTP as a browser would) → Trunkline's callback → connected.
 */
describe('admin consent from an invitation link', () => {
  let server: TestServer;
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;
  const seed = loadDefaultSeed();
  const tenantId = (name: string) => seed.tenants.find((t) => t.name === name)!.id;

  beforeAll(async () => {
    ({ server, close } = await startTestServerWithMicrosoft());
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Consenting customer' }), 201).id;
  });
  afterAll(() => close?.());

  it('connects the service and completes the invitation after the admin consents', async () => {
    const { svc, token } = await inviteService(admin, customerId, 'consent-1');
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/consent', { token }),
      200,
    );
    const start = new URL(redirectUrl);
    expect(start.pathname).toBe('/organizations/v2.0/adminconsent');
    expect(start.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(start.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/api/v1/microsoft/consent/callback`);
    const state = start.searchParams.get('state')!;
    expect(state.length).toBeGreaterThanOrEqual(43);

    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, {
      username: 'admin@contoso.onmicrosoft.com',
      password: 'Contoso-Admin-1!',
      action: 'accept',
    });
    expect(fromMicrosoft.searchParams.get('tenant')).toBe(tenantId('contoso'));
    const back = await followCallback(server, fromMicrosoft);
    expect(`${back.origin}${back.pathname}`).toBe(`${PUBLIC_URL}/invite/${token}`);
    expect(back.searchParams.get('consent')).toBe('done');

    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe('connected');
    const status = expectStatus(await admin.get(`/api/v1/services/${svc.id}/connection`), 200);
    expect(status).toMatchObject({
      state: 'connected',
      method: 'admin-consent',
      tenantId: tenantId('contoso'),
    });
    expect(status.grantedPermissions).toEqual(
      expect.arrayContaining(['Domain.ReadWrite.All', 'Organization.Read.All']),
    );
    expect(expectStatus(await server.client().post('/api/v1/invitations/open', { token }), 200).state).toBe(
      'used',
    );
    expect((await server.client().post('/api/v1/invitations/consent', { token })).status).toBe(409);

    // The state works once.
    const replay = await followCallback(server, fromMicrosoft);
    expect(replay.searchParams.get('consent')).toBe('invalid-state');
    expect(server.logs.text()).not.toContain(state);
  });

  it('refuses a forged tenant on the redirect', async () => {
    const { svc, token } = await inviteService(admin, customerId, 'consent-2');
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/consent', { token }),
      200,
    );
    const state = new URL(redirectUrl).searchParams.get('state')!;
    // An attacker crafts the callback with a tenant that never consented (northwind).
    const forged = new URL(`${PUBLIC_URL}/api/v1/microsoft/consent/callback`);
    forged.search = new URLSearchParams({
      admin_consent: 'True',
      tenant: tenantId('northwind'),
      state,
    }).toString();
    const back = await followCallback(server, forged);
    expect(back.searchParams.get('consent')).toBe('failed');
    expect(back.searchParams.get('message')).toMatch(/could not confirm access/);
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe(
      'pending-invitation',
    );
    const status = expectStatus(await admin.get(`/api/v1/services/${svc.id}/connection`), 200);
    expect(status.state).toBe('failed');
  });

  it('reports a cancelled consent back to the invitation page, which stays usable', async () => {
    const { svc, token } = await inviteService(admin, customerId, 'consent-3');
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/consent', { token }),
      200,
    );
    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, { action: 'cancel' });
    expect(fromMicrosoft.searchParams.get('error')).toBe('access_denied');
    const back = await followCallback(server, fromMicrosoft);
    expect(back.searchParams.get('consent')).toBe('denied');
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).toBe(
      'pending-invitation',
    );
    expect(expectStatus(await server.client().post('/api/v1/invitations/open', { token }), 200).state).toBe(
      'valid',
    );
  });

  it('answers an unknown or missing state by sending the browser to an invalid-link page', async () => {
    const back = await followCallback(
      server,
      new URL(`${PUBLIC_URL}/api/v1/microsoft/consent/callback?admin_consent=True&tenant=x&state=nope`),
    );
    expect(back.searchParams.get('consent')).toBe('invalid-state');
    expect(
      (await server.client().post('/api/v1/invitations/consent', { token: 'x'.repeat(43) })).status,
    ).toBe(404);
  });
});
