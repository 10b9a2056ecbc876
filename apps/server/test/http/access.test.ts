import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { seedTenancy, startTestServer, type Tenancy, type TestServer } from '../support/server.ts';
import { validBodies } from '../support/valid-bodies.ts';

/**
 * Walks every route of the OpenAPI document. A route whose path names an object (`{id}`) is called by
 * channel A's admin with the id of channel B's object, and must answer 404. A new route is covered as soon
 * as it is registered; one whose object kind or body this table does not know fails the test.
 */
const resourceOfSegment: Record<string, keyof Fixtures> = {
  channels: 'channel',
  customers: 'customer',
  users: 'user',
  'api-tokens': 'apiToken',
  services: 'service',
  invitations: 'invitation',
};

type Fixtures = {
  channel: string;
  customer: string;
  user: string;
  apiToken: string;
  service: string;
  invitation: string;
};

describe('access across tiers', () => {
  let server: TestServer;
  let t: Tenancy;
  let routes: { method: string; path: string }[];
  let bObjects: Fixtures;

  beforeAll(async () => {
    server = await startTestServer();
    t = await seedTenancy(server);
    const spec = expectStatus(await t.admin.get('/api/openapi.json'), 200) as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })),
    );
    const bToken = expectStatus(await t.b.channelClient.post('/api/v1/api-tokens', { name: 'b token' }), 201);
    const bService = expectStatus(
      await t.admin.post('/api/v1/services', {
        customerId: t.b.customer.id,
        type: 'direct-routing',
        fullName: 'B service',
        shortName: 'b-service',
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 5,
        adminAuth: { method: 'invite', email: 'it@b.example.com' },
      }),
      201,
    );
    await t.b.channelClient.request('PUT', `/api/v1/customers/${t.b.customer.id}/service-draft`, {
      fullName: 'B draft',
    });
    bObjects = {
      channel: t.b.channel.id,
      customer: t.b.customer.id,
      user: t.b.customerAdmin.id,
      apiToken: bToken.id,
      service: bService.id,
      invitation: bService.invitation.id,
    };
  });
  afterAll(() => server?.close());

  it('answers 404 to channel A for every object of channel B, on every route that names one', async () => {
    // The SBC inventory and templates are provider infrastructure, in no channel (test/sbc/sbcs.test.ts).
    const objectRoutes = routes.filter(
      (r) => r.path.includes('{id}') && !['sbcs', 'sbc-templates'].includes(r.path.split('/')[3]!),
    );
    const failures: string[] = [];
    expect(objectRoutes.length).toBeGreaterThanOrEqual(8);
    for (const route of objectRoutes) {
      const segment = route.path.split('/')[3]!;
      const kind = resourceOfSegment[segment];
      expect(kind, `no fixture for the object kind of ${route.method} ${route.path}`).toBeDefined();
      const key = `${route.method} ${route.path}`;
      const needsBody = ['POST', 'PATCH', 'PUT'].includes(route.method);
      if (needsBody) expect(Object.keys(validBodies), `no valid body for ${key}`).toContain(key);
      const res = await t.a.channelClient.request(
        route.method,
        route.path.replace('{id}', bObjects[kind!]),
        needsBody ? validBodies[key] : undefined,
      );
      if (res.status !== 404)
        failures.push(`${key} as channel A admin on B's ${kind}: ${res.status} ${res.text}`);
      else expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect(failures).toEqual([]);
  });

  it('answers 404 to a customer admin for a sibling customer in the same channel', async () => {
    expect((await t.a.customerClient.get(`/api/v1/customers/${t.a.sibling.id}`)).status).toBe(404);
    expect(
      (await t.a.customerClient.patch(`/api/v1/customers/${t.a.sibling.id}`, { name: 'x' })).status,
    ).toBe(404);
    expect(expectStatus(await t.a.customerClient.get(`/api/v1/customers/${t.a.customer.id}`), 200).id).toBe(
      t.a.customer.id,
    );
  });

  it('lists only what is in scope', async () => {
    const ids = async (client: typeof t.admin, path: string) =>
      (expectStatus(await client.get(path), 200).items as { id: string }[]).map((i) => i.id).sort();

    expect(await ids(t.a.channelClient, '/api/v1/customers')).toEqual(
      [t.a.customer.id, t.a.sibling.id].sort(),
    );
    expect(await ids(t.a.channelClient, '/api/v1/channels')).toEqual([t.a.channel.id]);
    expect(
      expectStatus(await t.a.channelClient.get(`/api/v1/channels/${t.a.channel.id}`), 200).customerCount,
    ).toBe(2);
    const aUsers = await ids(t.a.channelClient, '/api/v1/users');
    expect(aUsers).toEqual([t.a.channelAdmin.id, t.a.customerAdmin.id].sort());

    expect(await ids(t.a.customerClient, '/api/v1/customers')).toEqual([t.a.customer.id]);
    expect(await ids(t.a.customerClient, '/api/v1/channels')).toEqual([]);
    expect(await ids(t.a.customerClient, '/api/v1/users')).toEqual([t.a.customerAdmin.id]);

    const aServices = expectStatus(await t.a.channelClient.get('/api/v1/services'), 200).items as {
      customerId: string;
    }[];
    expect(aServices.every((x) => x.customerId !== t.b.customer.id)).toBe(true);
    expect(await ids(t.a.channelClient, '/api/v1/invitations')).toEqual([]);
    expect((await ids(t.b.channelClient, '/api/v1/invitations')).length).toBe(1);
    const aAudit = expectStatus(await t.a.channelClient.get('/api/v1/audit?pageSize=200'), 200).items as {
      customerId: string | null;
      channelId: string | null;
    }[];
    expect(aAudit.length).toBeGreaterThan(0);
    expect(aAudit.every((e) => e.customerId !== t.b.customer.id && e.channelId !== t.b.channel.id)).toBe(
      true,
    );
    const all = await ids(t.admin, '/api/v1/customers');
    expect(all).toEqual(expect.arrayContaining([t.a.customer.id, t.b.customer.id]));
  });

  it('does not let a channel admin place objects in another channel, or escalate a role', async () => {
    const c = t.a.channelClient;
    expect((await c.post('/api/v1/customers', { name: 'Sneaky', channelId: t.b.channel.id })).status).toBe(
      404,
    );
    expect(
      (
        await c.post('/api/v1/users', {
          email: 'x@example.com',
          name: 'X',
          role: 'customer_admin',
          customerId: t.b.customer.id,
          password: 'long enough password',
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await c.post('/api/v1/users', {
          email: 'y@example.com',
          name: 'Y',
          role: 'channel_admin',
          channelId: t.b.channel.id,
          password: 'long enough password',
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await c.post('/api/v1/users', {
          email: 'z@example.com',
          name: 'Z',
          role: 'provider_admin',
          password: 'long enough password',
        })
      ).status,
    ).toBe(403);
    expect((await c.post('/api/v1/channels', { name: 'New channel' })).status).toBe(403);
    expect((await t.a.customerClient.post('/api/v1/customers', { name: 'Nope' })).status).toBe(403);
    const own = expectStatus(await c.post('/api/v1/customers', { name: 'Own new customer' }), 201);
    expect(own.channelId).toBe(t.a.channel.id);
  });

  it('filters and paginates lists', async () => {
    const page = expectStatus(await t.admin.get('/api/v1/customers?pageSize=1&page=2'), 200);
    expect(page.items).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(4);
    const named = expectStatus(await t.admin.get('/api/v1/customers?q=customer%20b'), 200);
    expect(named.items.map((c: { name: string }) => c.name).sort()).toEqual(['Customer b1', 'Customer b2']);
    const wildcard = expectStatus(await t.admin.get('/api/v1/customers?q=%25'), 200);
    expect(wildcard.items).toHaveLength(0);
  });

  it('answers conflicts with 409 naming the field', async () => {
    // Customer names are unique within a channel (issue #13, item 11).
    const dup = await t.admin.post('/api/v1/customers', { name: 'CUSTOMER A1', channelId: t.a.channel.id });
    expect(dup.status).toBe(409);
    expect(dup.body.errors).toEqual([expect.objectContaining({ path: 'name' })]);
    const dupUser = await t.admin.post('/api/v1/users', {
      email: 'Channel-A@example.com',
      name: 'Dup',
      role: 'provider_admin',
      password: 'long enough password',
    });
    expect(dupUser.status).toBe(409);
    expect(dupUser.body.errors[0].path).toBe('email');
  });
});
