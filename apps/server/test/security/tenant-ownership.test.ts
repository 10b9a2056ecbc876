import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultSeed } from '@trunkline/emulator-m365';
import type { Client } from '../support/client.ts';
import { expectStatus } from '../support/client.ts';
import { followCallback, inviteService, submitMicrosoftPage } from '../support/microsoft.ts';
import {
  seedTenancy,
  startTestServerWithMicrosoft,
  type Tenancy,
  type TestServer,
} from '../support/server.ts';

const seed = loadDefaultSeed();
const contoso = seed.tenants.find((t) => t.name === 'contoso')!;
const contosoAdmin = contoso.users[0]!;
const ownApp = seed.apps.find((a) => a.ownerTenantId === contoso.id && a.requiredResourceAccess.length > 0)!;

const withCredentials = (customerId: string, shortName: string) => ({
  customerId,
  type: 'direct-routing',
  fullName: `Tenant ${shortName}`,
  shortName,
  licenseType: 'hosted-essentials-plus',
  licensedUsers: 2,
  adminAuth: {
    method: 'credentials',
    username: contosoAdmin.userPrincipalName,
    password: contosoAdmin.password,
  },
});

describe('one Microsoft tenant, one customer', () => {
  let server: TestServer;
  let close: () => Promise<void>;
  let t: Tenancy;
  let admin: Client;
  let first: { id: string; connection: { state: string } };

  beforeAll(async () => {
    let emu;
    ({ server, emu, close } = await startTestServerWithMicrosoft());
    emu.control.consent('contoso');
    t = await seedTenancy(server);
    admin = t.admin;
    first = expectStatus(
      await admin.post('/api/v1/services', withCredentials(t.a.customer.id, 'tenant-a1')),
      201,
    );
    expect(first.connection.state).toBe('connected');
  });
  afterAll(() => close?.());

  it('lets several services of the same customer share the tenant', async () => {
    const second = expectStatus(
      await admin.post('/api/v1/services', withCredentials(t.a.customer.id, 'tenant-a2')),
      201,
    );
    expect(second.connection.state).toBe('connected');
    expect(expectStatus(await admin.get(`/api/v1/services/${second.id}/connection`), 200).tenantId).toBe(
      contoso.id,
    );
  });

  it("refuses the tenant for another customer's service with a 409 that names nothing of the other customer", async () => {
    // A channel admin of another channel tries the credentials path with the same tenant.
    const res = await t.b.channelClient.post(
      '/api/v1/services',
      withCredentials(t.b.customer.id, 'tenant-b1'),
    );
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'tenantId', code: 'tenant_taken' })]);
    for (const leak of [
      t.a.customer.name,
      t.a.channel.name,
      'tenant-a1',
      'Tenant tenant-a1',
      first.id,
      t.a.customer.id,
    ])
      expect(res.text).not.toContain(leak);
    // The sibling customer in the same channel is another customer too.
    const sibling = await admin.post('/api/v1/services', withCredentials(t.a.sibling.id, 'tenant-s1'));
    expect(sibling.status).toBe(409);
  });

  it('refuses it the same way when the connection comes through an invitation (own app)', async () => {
    const { svc, token } = await inviteService(admin, t.b.customer.id, 'tenant-b2');
    const res = await server.client().post('/api/v1/invitations/own-app', {
      token,
      tenantId: contoso.id,
      clientId: ownApp.appId,
      clientSecret: ownApp.clientSecrets[0],
    });
    expect(res.status).toBe(409);
    expect(res.body.errors[0].code).toBe('tenant_taken');
    expect(res.text).not.toContain(t.a.customer.name);
    const connection = await admin.get(`/api/v1/services/${svc.id}/connection`);
    expect(connection.body?.tenantId ?? null).not.toBe(contoso.id);
    // The invitation is still usable (nothing was completed).
    expect(expectStatus(await server.client().post('/api/v1/invitations/open', { token }), 200).state).toBe(
      'valid',
    );
  });

  it('sends the admin back to the invitation page with the reason when the tenant comes through admin consent', async () => {
    const { svc, token } = await inviteService(admin, t.b.customer.id, 'tenant-b3');
    const { redirectUrl } = expectStatus(
      await server.client().post('/api/v1/invitations/consent', { token }),
      200,
    );
    const fromMicrosoft = await submitMicrosoftPage(redirectUrl, {
      username: contosoAdmin.userPrincipalName,
      password: contosoAdmin.password,
      action: 'accept',
    });
    const back = await followCallback(server, fromMicrosoft);
    expect(back.pathname).toBe(`/invite/${token}`);
    expect(back.searchParams.get('consent')).toBe('tenant-taken');
    expect(back.searchParams.get('message')).toMatch(/another customer/);
    expect(back.toString()).not.toContain(encodeURIComponent(t.a.customer.name));
    expect(expectStatus(await admin.get(`/api/v1/services/${svc.id}`), 200).status).not.toBe('connected');
  });
});
