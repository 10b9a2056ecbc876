import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed, type Seed } from '@trunkline/emulator-m365';
import type { Client } from '../support/client.ts';
import { expectStatus } from '../support/client.ts';
import { inviteService, submitMicrosoftPage } from '../support/microsoft.ts';
import { PUBLIC_URL, startTestServerWithMicrosoft, type TestServer } from '../support/server.ts';

const GROUP = '5e0c8f3a-7d21-4b6e-9c4a-2f1e0d3c5b7a';
const PASSWORD = 'Contoso-Member-1!';

/** contoso with two more people: bob holds no directory role, carol is only in the configured group. */
function seedWithMembers(): Seed {
  const seed = structuredClone(loadDefaultSeed());
  const contoso = seed.tenants.find((t) => t.name === 'contoso')!;
  contoso.users.push(
    {
      id: 'b0b0b0b0-0000-4000-8000-000000000001',
      userPrincipalName: 'bob@contoso.com',
      displayName: 'Bob Member',
      password: PASSWORD,
      roles: [],
    },
    {
      id: 'ca401ca4-0000-4000-8000-000000000002',
      userPrincipalName: 'carol@contoso.com',
      displayName: 'Carol Group',
      password: PASSWORD,
      roles: [],
      groups: [GROUP],
    },
  );
  return seed;
}

const seed = loadDefaultSeed();
const contoso = seed.tenants.find((t) => t.name === 'contoso')!;
const alice = contoso.users.find((u) => u.userPrincipalName.startsWith('alice'))!;
const ownApp = seed.apps.find((a) => a.ownerTenantId === contoso.id && a.requiredResourceAccess.length > 0)!;

describe('no anonymous disclosure; only tenant administrators become customer admins', () => {
  let server: TestServer;
  let close: () => Promise<void>;
  let admin: Client;
  let customerId: string;

  beforeAll(async () => {
    let emu;
    ({ server, emu, close } = await startTestServerWithMicrosoft(
      { ENTRA_ADMIN_GROUP_ID: GROUP },
      seedWithMembers(),
    ));
    emu.control.consent('contoso');
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Disclosure customer' }), 201).id;
    const svc = expectStatus(
      await admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: 'Disclosure service',
        shortName: 'disclosure-1',
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
    expectStatus(
      await admin.put(`/api/v1/services/${svc.id}/m365-settings`, {
        m365Domain: 'contoso.onmicrosoft.com',
        grantAdminAccess: { channelAdmins: true, customerAdmins: true },
      }),
      200,
    );
  });
  afterAll(() => close?.());

  /** Sign in with Microsoft as a browser would; answers where Trunkline sent the browser in the end. */
  async function signInWithMicrosoft(email: string, password: string) {
    const browser = server.client();
    const start = expectStatus(await browser.post('/api/v1/session/microsoft', { email }), 200);
    const fromMicrosoft = await submitMicrosoftPage(start.redirectUrl, {
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
    return { browser, landed: new URL(res.headers.get('location')!, PUBLIC_URL) };
  }

  it('answers the Microsoft sign-in start the same for an unknown, a known and a granted tenant', async () => {
    const answers = await Promise.all(
      ['x@nowhere.example', 'admin@fabrikam.com', alice.userPrincipalName].map((email) =>
        server.client().post('/api/v1/session/microsoft', { email }),
      ),
    );
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(Object.keys(a.body)).toEqual(['redirectUrl']);
      const url = new URL(a.body.redirectUrl);
      expect(url.pathname).toMatch(/\/oauth2\/v2\.0\/authorize$/);
      // Only Microsoft's own public answer (which tenant a domain belongs to) shapes the URL.
      expect(a.text).not.toContain('Disclosure');
    }
    expect(new URL(answers[0]!.body.redirectUrl).pathname).toBe('/organizations/oauth2/v2.0/authorize');
  });

  it('lets in holders of an administrator role and members of the configured group, nobody else', async () => {
    const a = await signInWithMicrosoft(alice.userPrincipalName, alice.password);
    expect(a.landed.pathname).toBe('/services');
    expect(expectStatus(await a.browser.get('/api/v1/me'), 200)).toMatchObject({
      role: 'customer_admin',
      customerId,
    });
    const carol = await signInWithMicrosoft('carol@contoso.com', PASSWORD);
    expect(carol.landed.pathname).toBe('/services');

    const bob = await signInWithMicrosoft('bob@contoso.com', PASSWORD);
    expect(bob.landed.pathname).toBe('/login');
    expect(bob.landed.searchParams.get('error')).toMatch(/Only your organization's administrators/);
    expect(bob.landed.searchParams.get('error')).toMatch(/Teams Communications Administrator/);
    expect(bob.browser.cookie).toBeNull();
    // No account was made for him.
    const users = expectStatus(await admin.get('/api/v1/users?q=bob%40contoso.com'), 200);
    expect(users.total).toBe(0);
    const audit = expectStatus(await admin.get('/api/v1/audit?action=session.login'), 200);
    expect(audit.items.find((e: { actorEmail: string }) => e.actorEmail === 'bob@contoso.com')).toMatchObject(
      { outcome: 'failure', summary: { reason: 'no administrator role' } },
    );
  });

  it('shows no customer or service name for a used or revoked invitation link', async () => {
    const revoked = await inviteService(admin, customerId, 'discl-rev');
    const valid = expectStatus(
      await server.client().post('/api/v1/invitations/open', { token: revoked.token }),
      200,
    );
    expect(valid).toMatchObject({ state: 'valid', customerName: 'Disclosure customer' });
    expectStatus(await admin.post(`/api/v1/invitations/${revoked.svc.invitation.id}/revoke`), 200);
    const afterRevoke = await server.client().post('/api/v1/invitations/open', { token: revoked.token });
    expect(expectStatus(afterRevoke, 200)).toMatchObject({
      state: 'revoked',
      customerName: null,
      serviceName: null,
    });
    expect(afterRevoke.text).not.toContain('Disclosure');

    const used = await inviteService(admin, customerId, 'discl-used');
    expectStatus(
      await server.client().post('/api/v1/invitations/own-app', {
        token: used.token,
        tenantId: contoso.id,
        clientId: ownApp.appId,
        clientSecret: ownApp.clientSecrets[0],
      }),
      200,
    );
    const afterUse = await server.client().post('/api/v1/invitations/open', { token: used.token });
    expect(expectStatus(afterUse, 200)).toMatchObject({
      state: 'used',
      customerName: null,
      serviceName: null,
    });
    expect(afterUse.text).not.toContain('Disclosure');
  });
});
