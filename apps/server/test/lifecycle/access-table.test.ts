import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermissionList, Roles, can, type Permission, type Role } from '@trunkline/contracts';
import { expectStatus, type Client, type Response } from '../support/client.ts';
import { seedTenancy, startTestServer, type Tenancy, type TestServer } from '../support/server.ts';

/**
 * The permission table in contracts is the one the server enforces: for every entry and every role, one
 * representative request is refused with 403 exactly when the table says the role may not.
 */
describe('the permission table the server enforces', () => {
  let server: TestServer;
  let t: Tenancy;
  let serviceId: string;
  beforeAll(async () => {
    server = await startTestServer();
    t = await seedTenancy(server);
    serviceId = expectStatus(
      await t.admin.post('/api/v1/services', {
        customerId: t.a.customer.id,
        type: 'direct-routing',
        fullName: 'Access table',
        shortName: 'access-table',
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: { method: 'invite', email: 'it@access.example' },
      }),
      201,
    ).id;
  });
  afterAll(() => server?.close());

  let n = 0;
  const unique = () => `${Date.now().toString(36)}${n++}`;
  const requests: Record<Permission, (c: Client) => Promise<Response<unknown>>> = {
    'channels.manage': (c) => c.post('/api/v1/channels', { name: `Channel ${unique()}` }),
    'customers.manage': (c) => c.patch(`/api/v1/customers/${t.a.customer.id}`, { name: `Customer a1` }),
    'users.manage': (c) =>
      c.post('/api/v1/users', {
        email: `u-${unique()}@example.com`,
        name: 'New person',
        role: 'customer_admin',
        customerId: t.a.customer.id,
        password: 'a long enough password',
      }),
    'services.create': (c) =>
      c.post('/api/v1/services', {
        customerId: t.a.customer.id,
        type: 'direct-routing',
        fullName: 'Table service',
        shortName: `t-${unique()}`.slice(0, 15),
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: { method: 'invite', email: 'it@access.example' },
      }),
    'services.edit': (c) => c.patch(`/api/v1/services/${serviceId}`, { licensedUsers: 1 }),
    'm365-settings.edit': (c) =>
      c.put(`/api/v1/services/${serviceId}/m365-settings`, {
        m365Domain: 'contoso.onmicrosoft.com',
        grantAdminAccess: { channelAdmins: true, customerAdmins: false },
      }),
    'number-ranges.edit': (c) =>
      c.put(`/api/v1/services/${serviceId}/number-ranges`, { ranges: [{ range: '+4930123456' }] }),
    'routing.configure': (c) => c.post(`/api/v1/services/${serviceId}/routing`, { configureDns: true }),
    'settings.manage': async (c) =>
      c.patch('/api/v1/settings', {
        providerName: expectStatus(await t.admin.get('/api/v1/settings'), 200).providerName,
      }),
    'routing-settings.manage': (c) => c.get('/api/v1/settings/routing'),
    'sbcs.view': (c) => c.get('/api/v1/sbcs'),
    'sbcs.manage': (c) =>
      c.post('/api/v1/sbcs', {
        name: `SBC ${unique()}`,
        kind: 'audiocodes',
        managementUrl: 'https://sbc.provider.example',
        carrierFqdn: 'sbc.provider.example',
        addresses: ['203.0.113.10'],
      }),
  };
  const clientOf = (role: Role): Client =>
    role === 'provider_admin' ? t.admin : role === 'channel_admin' ? t.a.channelClient : t.a.customerClient;

  for (const permission of PermissionList)
    it(`${permission}: ${Roles.map((r) => `${r} ${can(r, permission) ? 'may' : 'may not'}`).join(', ')}`, async () => {
      for (const role of Roles) {
        const res = await requests[permission](clientOf(role));
        if (can(role, permission)) expect(res.status, `${role}: ${JSON.stringify(res.body)}`).not.toBe(403);
        else expect(res.status, `${role}: ${JSON.stringify(res.body)}`).toBe(403);
      }
    });
});
