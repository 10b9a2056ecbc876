import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, type Client } from '../support/client.ts';
import { seedTenancy, startTestServer, type Tenancy, type TestServer } from '../support/server.ts';

const body = (customerId: string, over: Record<string, unknown> = {}) => ({
  customerId,
  type: 'direct-routing',
  fullName: 'Contoso Teams calling',
  shortName: 'contoso',
  licenseType: 'hosted-essentials-plus',
  licensedUsers: 25,
  adminAuth: {
    method: 'credentials',
    username: 'admin@contoso.onmicrosoft.com',
    password: 'Tenant-Admin-Pass-1',
  },
  ...over,
});

describe('services API (new tenant form)', () => {
  let server: TestServer;
  let t: Tenancy;
  let admin: Client;
  let customerId: string;

  beforeAll(async () => {
    server = await startTestServer();
    t = await seedTenancy(server);
    admin = t.admin;
    customerId = t.a.customer.id;
  });
  afterAll(() => server?.close());

  const count = async () =>
    expectStatus(await admin.get('/api/v1/services?pageSize=200'), 200).total as number;

  it('creates a service with credentials as "awaiting token", never echoing or storing the password', async () => {
    const res = await admin.post('/api/v1/services', body(customerId));
    const created = expectStatus(res, 201);
    expect(created).toMatchObject({
      customerId,
      customerName: 'Customer a1',
      fullName: 'Contoso Teams calling',
      shortName: 'contoso',
      subdomain: 'contoso',
      trunkFqdn: 'contoso.sbc.trunkline.example',
      licenseType: 'hosted-essentials-plus',
      licenseTypeName: 'Hosted Essentials+',
      licensedUsers: 25,
      status: 'awaiting-token',
      adminAuthMethod: 'credentials',
      adminUsername: 'admin@contoso.onmicrosoft.com',
      invitation: null,
    });
    expect(res.text).not.toContain('Tenant-Admin-Pass-1');
    const got = expectStatus(await admin.get(`/api/v1/services/${created.id}`), 200);
    expect(JSON.stringify(got)).not.toContain('Tenant-Admin-Pass-1');
    expect(server.logs.text()).not.toContain('Tenant-Admin-Pass-1');
  });

  it('answers 422 naming every bad field, and writes nothing', async () => {
    const before = await count();
    const res = await admin.post(
      '/api/v1/services',
      body(customerId, {
        shortName: 'a b',
        licensedUsers: 0,
        fullName: '  ',
        adminAuth: { method: 'invite', email: 'nope' },
      }),
    );
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'adminAuth.email',
      'fullName',
      'licensedUsers',
      'shortName',
    ]);
    expect(
      (await admin.post('/api/v1/services', body(customerId, { licenseType: 'gold' }))).body.errors[0].path,
    ).toBe('licenseType');
    const noLabel = await admin.post('/api/v1/services', body(customerId, { shortName: '!!!' }));
    expect(noLabel.status).toBe(422);
    expect(noLabel.body.errors[0]).toMatchObject({ path: 'subdomain' });
    expect(noLabel.body.errors[0].message).toMatch(/enter a subdomain/i);
    const tooLong = await admin.post(
      '/api/v1/services',
      body(customerId, { shortName: 'longname', subdomain: 'x'.repeat(45) }),
    );
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.errors[0].message).toMatch(/at most 63/);
    expect(await count()).toBe(before);
  });

  it('answers 409 for a short name taken in any case, or a taken subdomain, naming the field', async () => {
    const before = await count();
    const dupName = await admin.post(
      '/api/v1/services',
      body(t.b.customer.id, { shortName: 'CONTOSO', subdomain: 'other-label' }),
    );
    expect(dupName.status).toBe(409);
    expect(dupName.body.errors.map((e: { path: string }) => e.path)).toEqual(['shortName']);
    const dupSub = await admin.post(
      '/api/v1/services',
      body(customerId, { shortName: 'Contoso_2', subdomain: 'contoso' }),
    );
    expect(dupSub.status).toBe(409);
    expect(dupSub.body.errors.map((e: { path: string }) => e.path)).toEqual(['subdomain']);
    expect(await count()).toBe(before);
  });

  it('answers 404 for a customer outside the scope, and writes nothing', async () => {
    const before = await count();
    const res = await t.a.channelClient.post(
      '/api/v1/services',
      body(t.b.customer.id, { shortName: 'sneaky' }),
    );
    expect(res.status).toBe(404);
    expect(res.body.errors[0].path).toBe('customerId');
    // Customer admins add no services at all (the permission table): refused before any lookup, so the
    // answer says nothing about the sibling customer.
    const asCustomer = await t.a.customerClient.post(
      '/api/v1/services',
      body(t.a.sibling.id, { shortName: 'sneaky2' }),
    );
    expect(asCustomer.status).toBe(403);
    expect(await count()).toBe(before);
  });

  it('reports availability for the live check, derived subdomain included', async () => {
    const taken = expectStatus(await admin.get('/api/v1/services/availability?shortName=Contoso'), 200);
    expect(taken.shortName).toMatchObject({ valid: true, available: false });
    expect(taken.subdomain).toMatchObject({
      value: 'contoso',
      fqdn: 'contoso.sbc.trunkline.example',
      available: false,
    });
    const free = expectStatus(await admin.get('/api/v1/services/availability?shortName=Fabrikam_HQ'), 200);
    expect(free.shortName).toMatchObject({ valid: true, available: true, message: null });
    expect(free.subdomain).toMatchObject({ value: 'fabrikam-hq', valid: true, available: true });
    const bad = expectStatus(
      await admin.get(`/api/v1/services/availability?shortName=${encodeURIComponent('a.b')}`),
      200,
    );
    expect(bad.shortName).toMatchObject({
      valid: false,
      available: false,
      message: expect.stringMatching(/dot/),
    });
    const empty = expectStatus(
      await admin.get(`/api/v1/services/availability?shortName=${encodeURIComponent('!!!')}`),
      200,
    );
    expect(empty.subdomain).toMatchObject({
      valid: false,
      message: expect.stringMatching(/enter a subdomain/i),
    });
    const override = expectStatus(
      await admin.get(`/api/v1/services/availability?shortName=${encodeURIComponent('!!!')}&subdomain=Bangs`),
      200,
    );
    expect(override.subdomain).toMatchObject({ value: 'bangs', valid: true, available: true });
  });

  it('lists, filters, sorts and searches services', async () => {
    expectStatus(
      await admin.post(
        '/api/v1/services',
        body(t.b.customer.id, {
          shortName: 'Zeta',
          fullName: 'Zeta calling',
          licensedUsers: 3,
          adminAuth: { method: 'invite', email: 'it@zeta.example' },
        }),
      ),
      201,
    );
    const byCustomer = expectStatus(await admin.get(`/api/v1/services?customerId=${t.b.customer.id}`), 200);
    expect(byCustomer.items.map((s: { shortName: string }) => s.shortName)).toEqual(['Zeta']);
    const pending = expectStatus(await admin.get('/api/v1/services?status=pending-invitation'), 200);
    expect(pending.items.every((s: { status: string }) => s.status === 'pending-invitation')).toBe(true);
    const sorted = expectStatus(await admin.get('/api/v1/services?sort=shortName&order=asc'), 200);
    const names = sorted.items.map((s: { shortName: string }) => s.shortName);
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b)));
    expect(expectStatus(await admin.get('/api/v1/services?q=zeta'), 200).total).toBe(1);
    expect((await admin.get('/api/v1/services?status=bogus')).status).toBe(422);
  });

  it('updates names and user count while not active, re-deriving the subdomain', async () => {
    const created = expectStatus(
      await admin.post('/api/v1/services', body(customerId, { shortName: 'Renamer', licensedUsers: 2 })),
      201,
    );
    const updated = expectStatus(
      await admin.patch(`/api/v1/services/${created.id}`, { shortName: 'Renamed_1', licensedUsers: 4 }),
      200,
    );
    expect(updated).toMatchObject({
      shortName: 'Renamed_1',
      subdomain: 'renamed-1',
      trunkFqdn: 'renamed-1.sbc.trunkline.example',
      licensedUsers: 4,
    });
    const clash = await admin.patch(`/api/v1/services/${created.id}`, { shortName: 'contoso' });
    expect(clash.status).toBe(409);
    expect(clash.body.errors.map((e: { path: string }) => e.path)).toContain('shortName');
    expect(
      expectStatus(await admin.patch(`/api/v1/services/${created.id}`, { fullName: 'Same short name' }), 200)
        .shortName,
    ).toBe('Renamed_1');
  });

  it('keeps a chosen subdomain when the short name changes, even one equal to the derived label, until it is set back', async () => {
    const created = expectStatus(
      await admin.post(
        '/api/v1/services',
        body(customerId, { shortName: 'Sticky', subdomain: 'Sticky', licensedUsers: 1 }),
      ),
      201,
    );
    expect(created).toMatchObject({
      subdomain: 'sticky',
      subdomainOverridden: true,
      zone: 'sbc.trunkline.example',
      trunkNameFixed: false,
    });
    const renamed = expectStatus(
      await admin.patch(`/api/v1/services/${created.id}`, { shortName: 'Sticky2' }),
      200,
    );
    expect(renamed).toMatchObject({ subdomain: 'sticky', trunkFqdn: 'sticky.sbc.trunkline.example' });
    const derived = expectStatus(
      await admin.patch(`/api/v1/services/${created.id}`, { subdomain: null }),
      200,
    );
    expect(derived).toMatchObject({
      subdomain: 'sticky2',
      subdomainOverridden: false,
      trunkFqdn: 'sticky2.sbc.trunkline.example',
    });
    // A derived label that would clash is refused on the field the operator typed.
    const clash = await admin.patch(`/api/v1/services/${created.id}`, { shortName: 'Contoso!' });
    expect(clash.status).toBe(409);
    expect(clash.body.errors.map((e: { path: string }) => e.path)).toEqual(['subdomain']);
  });

  it('deletes a pending service, and 404s afterwards', async () => {
    const created = expectStatus(
      await admin.post('/api/v1/services', body(customerId, { shortName: 'Doomed', licensedUsers: 1 })),
      201,
    );
    expectStatus(await admin.delete(`/api/v1/services/${created.id}`), 204);
    expect((await admin.get(`/api/v1/services/${created.id}`)).status).toBe(404);
    expect((await admin.delete(`/api/v1/services/${created.id}`)).status).toBe(404);
    // The short name is free again.
    expectStatus(
      await admin.post('/api/v1/services', body(customerId, { shortName: 'doomed', licensedUsers: 1 })),
      201,
    );
  });

  it("keeps a customer's services at 500 licensed users, also under parallel requests", async () => {
    const fresh = expectStatus(await admin.post('/api/v1/customers', { name: 'Limit customer' }), 201);
    const usage0 = expectStatus(await admin.get(`/api/v1/customers/${fresh.id}/usage`), 200);
    expect(usage0.licensedUsers).toEqual({ used: 0, limit: 500, remaining: 500 });
    expectStatus(
      await admin.post('/api/v1/services', body(fresh.id, { shortName: 'limit-0', licensedUsers: 300 })),
      201,
    );
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        admin.post('/api/v1/services', body(fresh.id, { shortName: `limit-${i + 1}`, licensedUsers: 150 })),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body).toMatchObject({ code: 'limit_exceeded', errors: [{ path: 'licensedUsers' }] });
    expect(refused.body.errors[0].message).toMatch(/50 of 500/);
    const usage = expectStatus(await admin.get(`/api/v1/customers/${fresh.id}/usage`), 200);
    expect(usage.licensedUsers).toEqual({ used: 450, limit: 500, remaining: 50 });
  });

  it('keeps a draft per user and customer without the password, and drops it on submit', async () => {
    const c = t.a.channelClient;
    expect((await c.get(`/api/v1/customers/${t.a.sibling.id}/service-draft`)).status).toBe(204); // none
    const saved = expectStatus(
      await c.request('PUT', `/api/v1/customers/${t.a.sibling.id}/service-draft`, {
        fullName: 'Half done',
        shortName: 'half',
        step: 1,
        password: 'must be dropped',
      }),
      200,
    );
    expect(saved.data).toEqual({ fullName: 'Half done', shortName: 'half', step: 1 });
    expect(
      expectStatus(await c.get(`/api/v1/customers/${t.a.sibling.id}/service-draft`), 200).data.fullName,
    ).toBe('Half done');
    expect((await admin.get(`/api/v1/customers/${t.a.sibling.id}/service-draft`)).status).toBe(204); // another user's
    expectStatus(
      await c.post('/api/v1/services', body(t.a.sibling.id, { shortName: 'half', licensedUsers: 1 })),
      201,
    );
    expect((await c.get(`/api/v1/customers/${t.a.sibling.id}/service-draft`)).status).toBe(204); // none
  });

  it('records every change in the audit trail, filterable, with no password in it', async () => {
    const page = expectStatus(
      await admin.get(`/api/v1/audit?customerId=${customerId}&action=service.create&pageSize=100`),
      200,
    );
    expect(page.total).toBeGreaterThanOrEqual(3);
    expect(page.items[0]).toMatchObject({
      action: 'service.create',
      targetType: 'service',
      outcome: 'success',
      customerId,
      actorEmail: 'admin@trunkline.test',
    });
    const everything = expectStatus(await admin.get('/api/v1/audit?pageSize=200'), 200);
    expect(JSON.stringify(everything)).not.toContain('Tenant-Admin-Pass-1');
    const actions = new Set(everything.items.map((e: { action: string }) => e.action));
    for (const a of [
      'session.login',
      'service.create',
      'service.update',
      'service.delete',
      'invitation.send',
      'customer.create',
      'user.create',
    ])
      expect(actions).toContain(a);
    const failed = await server
      .client()
      .post('/api/v1/session', { email: 'admin@trunkline.test', password: 'bad password' });
    expect(failed.status).toBe(401);
    const failures = expectStatus(await admin.get('/api/v1/audit?action=session.login&pageSize=200'), 200);
    expect(failures.items.some((e: { outcome: string }) => e.outcome === 'failure')).toBe(true);
    const future = expectStatus(
      await admin.get(
        `/api/v1/audit?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`,
      ),
      200,
    );
    expect(future.total).toBe(0);
    // No route changes the audit trail.
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE'])
      expect([404, 405]).toContain(
        (await admin.request(method, '/api/v1/audit', method === 'DELETE' ? undefined : {})).status,
      );
  });

  it('reads and changes provider settings (provider admins only) and lists licence types', async () => {
    expect(expectStatus(await t.a.customerClient.get('/api/v1/settings'), 200).sbcBaseDomain).toBe(
      'sbc.trunkline.example',
    );
    expect(
      (await t.a.channelClient.patch('/api/v1/settings', { sbcBaseDomain: 'sbc.evil.example' })).status,
    ).toBe(403);
    expect((await admin.patch('/api/v1/settings', { sbcBaseDomain: 'not a domain' })).status).toBe(422);
    expect(
      expectStatus(await admin.patch('/api/v1/settings', { providerName: 'Acme Telecom' }), 200).providerName,
    ).toBe('Acme Telecom');
    expect(expectStatus(await admin.get('/api/v1/license-types'), 200).items).toEqual([
      expect.objectContaining({ id: 'hosted-essentials-plus', name: 'Hosted Essentials+' }),
    ]);
  });
});
