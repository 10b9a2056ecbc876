import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { seedTenancy, startTestServer, type Tenancy, type TestServer } from '../support/server.ts';

const serviceBody = (customerId: string, shortName: string) => ({
  customerId,
  type: 'direct-routing',
  fullName: `Service ${shortName}`,
  shortName,
  licenseType: 'hosted-essentials-plus',
  licensedUsers: 5,
  adminAuth: {
    method: 'credentials',
    username: 'admin@contoso.onmicrosoft.com',
    password: 'Tenant-Admin-Pass-1',
  },
});

describe('no existence leaks across channels', () => {
  let server: TestServer;
  let t: Tenancy;
  beforeAll(async () => {
    server = await startTestServer();
    t = await seedTenancy(server);
  });
  afterAll(() => server?.close());

  it("a channel admin may name a customer like another channel's customer: names are unique per channel", async () => {
    const foreignName = t.a.customer.name;
    const mine = await t.b.channelClient.post('/api/v1/customers', { name: foreignName });
    expect(mine.status).toBe(201);
    expect(mine.body.channelId).toBe(t.b.channel.id);
    // Renaming into a foreign channel's name is just as unremarkable.
    const renamed = await t.b.channelClient.patch(`/api/v1/customers/${t.b.sibling.id}`, {
      name: t.a.sibling.name.toUpperCase(),
    });
    expect(renamed.status).toBe(200);
    // Within one channel the name is still taken, whatever its case.
    const twice = await t.b.channelClient.post('/api/v1/customers', { name: foreignName.toLowerCase() });
    expect(twice.status).toBe(409);
    expect(twice.body.errors[0].path).toBe('name');
    // The provider admin sees both, each in its channel.
    const both = expectStatus(
      await t.admin.get(`/api/v1/customers?q=${encodeURIComponent(foreignName)}&pageSize=200`),
      200,
    );
    expect(both.items.map((c: { channelId: string }) => c.channelId).sort()).toEqual(
      [t.a.channel.id, t.b.channel.id].sort(),
    );
  });

  it("an e-mail conflict answers the same whether the other account is in the actor's scope or not", async () => {
    const user = (email: string) => ({
      email,
      name: 'Someone',
      role: 'customer_admin',
      customerId: t.b.customer.id,
      password: 'a long enough password',
    });
    const foreign = await t.b.channelClient.post('/api/v1/users', user(t.a.customerAdmin.email));
    const own = await t.b.channelClient.post('/api/v1/users', user(t.b.customerAdmin.email));
    expect(foreign.status).toBe(409);
    expect(own.status).toBe(409);
    expect(foreign.body).toEqual(own.body);
    for (const leak of [t.a.channel.name, t.a.customer.name, t.a.customerAdmin.id, t.a.channel.id])
      expect(foreign.text).not.toContain(leak);
  });

  it('ignores a foreign service id in the availability check: 404, never its name', async () => {
    const foreign = expectStatus(
      await t.admin.post('/api/v1/services', serviceBody(t.a.customer.id, 'foreignsvc')),
      201,
    );
    const own = expectStatus(
      await t.admin.post('/api/v1/services', serviceBody(t.b.customer.id, 'ownsvc')),
      201,
    );
    const ask = (exceptServiceId: string, shortName: string) =>
      t.b.channelClient.get(
        `/api/v1/services/availability?shortName=${shortName}&exceptServiceId=${exceptServiceId}`,
      );
    // Without the foreign id the short name is simply taken (short names are unique across the provider).
    const plain = expectStatus(
      await t.b.channelClient.get('/api/v1/services/availability?shortName=foreignsvc'),
      200,
    );
    expect(plain.shortName.available).toBe(false);
    // With it the answer must not tie the id to the name.
    const probe = await ask(foreign.id, 'foreignsvc');
    expect(probe.status).toBe(404);
    expect(probe.text).not.toContain('foreignsvc');
    // The same probe with a random id, and with the actor's own service, behaves as expected.
    expect((await ask('00000000-0000-4000-8000-000000000000', 'foreignsvc')).status).toBe(404);
    expect(expectStatus(await ask(own.id, 'ownsvc'), 200).shortName.available).toBe(true);
    // A customer admin of channel B is refused the same way.
    expect(
      (
        await t.b.customerClient.get(
          `/api/v1/services/availability?shortName=foreignsvc&exceptServiceId=${foreign.id}`,
        )
      ).status,
    ).toBe(404);
  });
});
