import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../support/client.ts';
import { expectStatus } from '../support/client.ts';
import {
  PUBLIC_URL,
  seedTenancy,
  startTestServer,
  type Tenancy,
  type TestServer,
} from '../support/server.ts';
import { apiRoutes, exampleOf, send, type Route } from './route-table.ts';
import { validBodies } from '../support/valid-bodies.ts';

/**
 * The isolation matrix, generated from the route table: every route that names an object × every role
 * (provider admin, channel admin, customer admin), each signed in with a cookie and with an API token × an
 * object of another channel or customer. The answer is 404 (or 403 where the role may not use the route at
 * all), as problem+json, and never the object. Every list filtered to a foreign object is empty. A route
 * added later is in the matrix without anyone remembering; one whose object kind is unknown fails the test.
 */
type Kind = 'channel' | 'customer' | 'user' | 'apiToken' | 'service' | 'invitation';
const kindOfSegment: Record<string, Kind> = {
  channels: 'channel',
  customers: 'customer',
  users: 'user',
  'api-tokens': 'apiToken',
  services: 'service',
  invitations: 'invitation',
};
/**
 * Provider infrastructure that holds no customer data and belongs to no channel or customer (the SBC inventory
 * and templates): not in the matrix; test/sbc/sbcs.test.ts walks their routes with every role.
 */
const unscopedSegments = new Set(['sbcs', 'sbc-templates']);
/** Query parameters that filter a list to one object, and the kind of that object. */
const filterKinds: Record<string, Kind> = {
  channelId: 'channel',
  customerId: 'customer',
  serviceId: 'service',
  userId: 'user',
  actorId: 'user',
};

type Objects = Partial<Record<Kind, string>>;
type Actor = { name: string; headers: Record<string, string>; foreign: Objects[] };

describe('isolation matrix over the route table', () => {
  let server: TestServer;
  let t: Tenancy;
  let routes: Route[];
  let actors: Actor[];

  const service = async (customerId: string, shortName: string) =>
    expectStatus(
      await t.admin.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: `Service ${shortName}`,
        shortName,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 5,
        adminAuth: { method: 'invite', email: `it@${shortName}.example.com` },
      }),
      201,
    ) as { id: string; invitation: { id: string } };
  const token = async (client: Client, name: string) =>
    expectStatus(await client.post('/api/v1/api-tokens', { name }), 201) as { id: string; token: string };
  const viaCookie = (client: Client) => ({ cookie: client.cookie!, origin: PUBLIC_URL });
  const viaToken = (value: string) => ({ authorization: `Bearer ${value}` });

  beforeAll(async () => {
    server = await startTestServer();
    t = await seedTenancy(server);
    const spec = expectStatus(await t.admin.get('/api/openapi.json'), 200);
    routes = apiRoutes(server.runtime.app!, spec);
    const bService = await service(t.b.customer.id, 'b-service');
    const siblingService = await service(t.a.sibling.id, 'a2-service');
    const bToken = await token(t.b.channelClient, 'b token');
    await t.b.channelClient.request('PUT', `/api/v1/customers/${t.b.customer.id}/service-draft`, {
      fullName: 'B draft',
    });
    const channelB: Objects = {
      channel: t.b.channel.id,
      customer: t.b.customer.id,
      user: t.b.customerAdmin.id,
      apiToken: bToken.id,
      service: bService.id,
      invitation: bService.invitation.id,
    };
    const siblingA2: Objects = {
      customer: t.a.sibling.id,
      service: siblingService.id,
      invitation: siblingService.invitation.id,
    };
    const [providerToken, channelToken, customerToken] = [
      await token(t.admin, 'provider token'),
      await token(t.a.channelClient, 'channel a token'),
      await token(t.a.customerClient, 'customer a1 token'),
    ];
    actors = [
      { name: 'provider admin (cookie)', headers: viaCookie(t.admin), foreign: [{ apiToken: bToken.id }] },
      {
        name: 'provider admin (token)',
        headers: viaToken(providerToken.token),
        foreign: [{ apiToken: bToken.id }],
      },
      { name: 'channel admin A (cookie)', headers: viaCookie(t.a.channelClient), foreign: [channelB] },
      { name: 'channel admin A (token)', headers: viaToken(channelToken.token), foreign: [channelB] },
      {
        name: 'customer admin A1 (cookie)',
        headers: viaCookie(t.a.customerClient),
        foreign: [channelB, siblingA2],
      },
      {
        name: 'customer admin A1 (token)',
        headers: viaToken(customerToken.token),
        foreign: [channelB, siblingA2],
      },
    ];
  });
  afterAll(() => server?.close());

  it('answers 404 (or 403) to every role for every foreign object on every route that names one', async () => {
    const objectRoutes = routes.filter(
      (r) => r.url.includes(':id') && !unscopedSegments.has(r.url.split('/')[3]!),
    );
    expect(objectRoutes.length).toBeGreaterThanOrEqual(20);
    const failures: string[] = [];
    let checked = 0;
    for (const route of objectRoutes) {
      const kind = kindOfSegment[route.url.split('/')[3]!];
      expect(kind, `no object kind for ${route.method} ${route.url}`).toBeDefined();
      const key = `${route.method} ${route.path}`;
      const body = route.body
        ? (validBodies[key] ?? exampleOf(route.body, { uuid: t.a.customer.id }))
        : undefined;
      for (const actor of actors)
        for (const objects of actor.foreign) {
          const id = objects[kind!];
          if (!id) continue;
          checked++;
          const res = await send(server.url, route.method, route.url.replace(':id', id), {
            headers: actor.headers,
            ...(body === undefined ? {} : { body }),
          });
          const where = `${key} as ${actor.name} on a foreign ${kind}: ${res.status} ${res.text.slice(0, 200)}`;
          if (res.status === 422) failures.push(`needs a valid body in validBodies: ${where}`);
          else if (res.status !== 404 && res.status !== 403) failures.push(where);
          else if (!res.type.startsWith('application/problem+json'))
            failures.push(`not problem+json: ${where}`);
          else if (res.text.includes(id)) failures.push(`names the object: ${where}`);
        }
    }
    expect(checked).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });

  it('answers every list filtered to a foreign object with nothing', async () => {
    const lists = routes.filter(
      (r) => r.method === 'GET' && !r.url.includes(':') && r.query.some((q) => q in filterKinds),
    );
    expect(lists.map((r) => r.url)).toEqual(
      expect.arrayContaining(['/api/v1/customers', '/api/v1/users', '/api/v1/audit']),
    );
    const failures: string[] = [];
    for (const route of lists)
      for (const actor of actors.filter((a) => !a.name.startsWith('provider')))
        for (const objects of actor.foreign)
          for (const param of route.query.filter((q) => q in filterKinds)) {
            const id = objects[filterKinds[param]!];
            if (!id) continue;
            const res = await send(server.url, 'GET', `${route.url}?${param}=${id}`, {
              headers: actor.headers,
            });
            const where = `${route.url}?${param}=<foreign> as ${actor.name}: ${res.status} ${res.text.slice(0, 200)}`;
            if (res.status === 403 || res.status === 404) continue;
            if (res.status !== 200) failures.push(where);
            else if (res.type.startsWith('text/csv')) {
              if (res.text.trim().split('\n').length > 1) failures.push(`rows in the export: ${where}`);
            } else if (!Array.isArray(res.body?.items) || res.body.items.length > 0) failures.push(where);
          }
    expect(failures).toEqual([]);
  });
});
