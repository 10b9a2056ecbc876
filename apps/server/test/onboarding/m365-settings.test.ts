import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, type Seed } from '@trunkline/emulator-m365';
import { queryRows } from '../../src/platform/db/database.ts';
import type { Client } from '../support/client.ts';
import { expectStatus } from '../support/client.ts';
import { inviteService, submitMicrosoftPage } from '../support/microsoft.ts';
import { PUBLIC_URL, startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

const NOTIFY_APP = '5c2e9a1f-7b3d-4e8a-9c6f-2d4b8e0a1c35';
const NO_RECORDS_APP = '8e4a2c6f-1d3b-4f5e-a7c9-0b2d4f6a8c13';
const NOTIFY_SECRET = 'Notify~app.secret-value-0001';

/** The seed plus two apps contoso registered itself: one with CallRecords.Read.All, one without. */
function seedWithNotificationApps(): Seed {
  const seed = structuredClone(loadDefaultSeed());
  const contoso = seed.tenants.find((t) => t.name === 'contoso')!;
  const app = (appId: string, roles: string[]) => ({
    appId,
    displayName: `Contoso notifications ${appId.slice(0, 4)}`,
    ownerTenantId: contoso.id,
    publicClient: false,
    clientSecrets: [NOTIFY_SECRET],
    redirectUris: [],
    requiredResourceAccess: [{ resource: 'https://graph.microsoft.com', roles, scopes: [] }],
  });
  seed.apps.push(app(NOTIFY_APP, ['CallRecords.Read.All']), app(NO_RECORDS_APP, ['Organization.Read.All']));
  contoso.consentedApps.push(NOTIFY_APP, NO_RECORDS_APP);
  return seed;
}

const contoso = loadDefaultSeed().tenants.find((t) => t.name === 'contoso')!;

describe('M365 settings (step 9) and Sign in with Microsoft', () => {
  let server: TestServer;
  let emu: Awaited<ReturnType<typeof startTestServerWithMicrosoft>>['emu'];
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;
  let serviceId: string;

  beforeAll(async () => {
    ({ server, emu, close } = await startTestServerWithMicrosoft({}, seedWithNotificationApps()));
    emu.control.consent('contoso');
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Settings customer' }), 201).id;
    // Connected through the credentials path (the provider app is consented in contoso).
    const svc = expectStatus(
      await admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: 'Settings service',
        shortName: 'settings-1',
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 5,
        adminAuth: {
          method: 'credentials',
          username: contoso.users[0]!.userPrincipalName,
          password: contoso.users[0]!.password,
        },
      }),
      201,
    );
    expect(svc.connection.state).toBe('connected');
    serviceId = svc.id;
  });
  afterAll(() => close?.());

  const path = () => `/api/v1/services/${serviceId}/m365-settings`;
  const valid = {
    m365Domain: 'contoso.onmicrosoft.com',
    grantAdminAccess: { channelAdmins: true, customerAdmins: false },
  };

  it("pre-fills the tenant's initial domain and tenant ID, and lists the verified domains", async () => {
    const s = expectStatus(await admin.get(path()), 200);
    expect(s).toMatchObject({
      tenantId: contoso.id,
      m365Domain: 'contoso.onmicrosoft.com',
      grantAdminAccess: { channelAdmins: true, customerAdmins: false },
      notificationApp: null,
      saved: false,
    });
    expect(s.verifiedDomains.map((d: { name: string }) => d.name)).toEqual([
      'contoso.onmicrosoft.com',
      'contoso.com',
    ]);
  });

  it('accepts only a verified domain of the tenant, naming the field', async () => {
    const res = await admin.put(path(), { ...valid, m365Domain: 'fabrikam.com' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ path: 'm365Domain' });
    expect(res.body.errors[0].message).toContain('contoso.com');
    const ok = expectStatus(await admin.put(path(), { ...valid, m365Domain: 'Contoso.COM' }), 200);
    expect(ok).toMatchObject({ m365Domain: 'contoso.com', saved: true });
  });

  it('validates the Teams Notification Service app by a token with CallRecords.Read.All, and keeps the secret sealed', async () => {
    const without = await admin.put(path(), {
      ...valid,
      notificationApp: { clientId: NO_RECORDS_APP, clientSecret: NOTIFY_SECRET },
    });
    expect(without.status).toBe(422);
    expect(without.body.errors[0]).toMatchObject({ path: 'notificationApp.clientId' });
    expect(without.body.errors[0].message).toContain('CallRecords.Read.All');

    const wrongSecret = await admin.put(path(), {
      ...valid,
      notificationApp: { clientId: NOTIFY_APP, clientSecret: 'not the secret' },
    });
    expect(wrongSecret.status).toBe(422);
    expect(wrongSecret.body.errors[0]).toMatchObject({ path: 'notificationApp.clientSecret' });

    const ok = expectStatus(
      await admin.put(path(), {
        ...valid,
        notificationApp: { clientId: NOTIFY_APP, clientSecret: NOTIFY_SECRET },
      }),
      200,
    );
    expect(ok.notificationApp).toMatchObject({ clientId: NOTIFY_APP, permissions: ['CallRecords.Read.All'] });
    expect(JSON.stringify(ok)).not.toContain(NOTIFY_SECRET);
    const [row] = await queryRows<{ s: string }>(
      server.runtime.handle.db,
      sql`select notification_secret_sealed as s from service_m365_settings where service_id = ${serviceId}`,
    );
    expect(row!.s).toMatch(/^tlv1\./);

    // Saving again without the app keeps it; null removes it.
    expect(expectStatus(await admin.put(path(), valid), 200).notificationApp?.clientId).toBe(NOTIFY_APP);
    expect(
      expectStatus(await admin.put(path(), { ...valid, notificationApp: null }), 200).notificationApp,
    ).toBe(null);
    expect(server.logs.text()).not.toContain(NOTIFY_SECRET);
  });

  it('answers 409 before the service is connected, and 403 to a customer admin changing it', async () => {
    const { svc } = await inviteService(admin, customerId, 'settings-2');
    expect((await admin.get(`/api/v1/services/${svc.id}/m365-settings`)).status).toBe(409);
    expectStatus(
      await admin.post('/api/v1/users', {
        email: 'cadmin@settings.example',
        name: 'Customer Admin',
        role: 'customer_admin',
        customerId,
        password: 'customer admin password',
      }),
      201,
    );
    const customerAdmin = server.client();
    await customerAdmin.login('cadmin@settings.example', 'customer admin password');
    expectStatus(await customerAdmin.get(path()), 200);
    expect((await customerAdmin.put(path(), valid)).status).toBe(403);
  });

  /** Runs "Sign in with Microsoft" in a cookie-less client; answers the client and where Trunkline sent it. */
  async function signInWithMicrosoft(email: string, password: string) {
    const browser = server.client();
    const start = await browser.post('/api/v1/session/microsoft', { email });
    if (start.status !== 200) return { start, browser, landed: null };
    const authorize = new URL(start.body.redirectUrl);
    expect(authorize.pathname).toBe(`/${contoso.id}/oauth2/v2.0/authorize`);
    expect(authorize.searchParams.get('scope')).toContain('openid');
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const fromMicrosoft = await submitMicrosoftPage(start.body.redirectUrl, {
      username: email,
      password,
      action: 'accept',
    });
    const res = await fetch(`${server.url}${fromMicrosoft.pathname}${fromMicrosoft.search}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const cookie = res.headers.get('set-cookie')?.split(';')[0];
    if (cookie) browser.cookie = cookie;
    return { start, browser, landed: new URL(res.headers.get('location')!, PUBLIC_URL), fromMicrosoft };
  }

  it('lets people of the tenant sign in with Microsoft as customer admins once granted, and nobody else', async () => {
    const alice = contoso.users.find((u) => u.userPrincipalName.startsWith('alice'))!;
    // Not granted yet: refused once Microsoft has authenticated her (the start tells an anonymous caller nothing).
    const refused = await signInWithMicrosoft(alice.userPrincipalName, alice.password);
    expect(refused.start.status).toBe(200);
    expect(refused.landed!.pathname).toBe('/login');
    expect(refused.landed!.searchParams.get('error')).toMatch(/Grant Admin Access/);
    expect(refused.browser.cookie).toBeNull();

    expectStatus(
      await admin.put(path(), { ...valid, grantAdminAccess: { channelAdmins: true, customerAdmins: true } }),
      200,
    );
    const { browser, landed, fromMicrosoft } = await signInWithMicrosoft(
      alice.userPrincipalName,
      alice.password,
    );
    expect(landed!.pathname).toBe('/services');
    const me = expectStatus(await browser.get('/api/v1/me'), 200);
    expect(me).toMatchObject({ role: 'customer_admin', customerId, email: alice.userPrincipalName });
    const services = expectStatus(await browser.get('/api/v1/services'), 200);
    expect(services.items.every((s: { customerId: string }) => s.customerId === customerId)).toBe(true);

    // A second sign-in finds the same user; the redirect works once.
    const again = await signInWithMicrosoft(alice.userPrincipalName, alice.password);
    expect(expectStatus(await again.browser.get('/api/v1/me'), 200).id).toBe(me.id);
    const replay = await fetch(`${server.url}${fromMicrosoft!.pathname}${fromMicrosoft!.search}`, {
      redirect: 'manual',
    });
    expect(new URL(replay.headers.get('location')!, PUBLIC_URL).searchParams.get('error')).toMatch(
      /expired or was already used/,
    );

    // Another tenant (fabrikam) has no service granting access, an unknown domain has no tenant: the start
    // answers them like any other (the refusal comes after Microsoft, see test/security/disclosure.test.ts).
    const other = await server.client().post('/api/v1/session/microsoft', { email: 'admin@fabrikam.com' });
    expect(other.status).toBe(200);
    const unknown = await server.client().post('/api/v1/session/microsoft', { email: 'x@nowhere.example' });
    expect(unknown.status).toBe(200);
    expect(new URL(unknown.body.redirectUrl).pathname).toBe('/organizations/oauth2/v2.0/authorize');
  });

  it('refuses an ID token from a tenant other than the one the sign-in started for', async () => {
    const browser = server.client();
    const start = expectStatus(
      await browser.post('/api/v1/session/microsoft', { email: contoso.users[0]!.userPrincipalName }),
      200,
    );
    // The attacker swaps the tenant in Microsoft's URL: the code comes back from northwind.
    const swapped = new URL(start.redirectUrl);
    const northwind = loadDefaultSeed().tenants.find((t) => t.name === 'northwind')!;
    swapped.pathname = `/${northwind.id}/oauth2/v2.0/authorize`;
    const fromMicrosoft = await submitMicrosoftPage(swapped.toString(), {
      username: northwind.users[0]!.userPrincipalName,
      password: northwind.users[0]!.password,
      consent_org: 'true',
      action: 'accept',
    });
    expect(fromMicrosoft.searchParams.get('code')).toBeTruthy();
    const res = await fetch(`${server.url}${fromMicrosoft.pathname}${fromMicrosoft.search}`, {
      redirect: 'manual',
    });
    expect(res.headers.get('set-cookie')).toBeNull();
    const landed = new URL(res.headers.get('location')!, PUBLIC_URL);
    expect(landed.pathname).toBe('/login');
    expect(landed.searchParams.get('error')).toMatch(/did not sign you in/);
  });
});
