import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { seedTenancy, startTestServer, type Tenancy, type TestServer } from '../support/server.ts';

/** Unique names are enforced by the database; the repositories turn a violation into a 409 naming the field. */
describe('taken names', () => {
  let server: TestServer;
  let t: Tenancy;

  beforeAll(async () => {
    server = await startTestServer();
    t = await seedTenancy(server);
  });
  afterAll(() => server?.close());

  const takenOn = (res: { status: number; body: any }, field: string) => {
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'conflict', errors: [{ path: field, code: 'taken' }] });
  };

  it('a channel name in any case', async () => {
    takenOn(await t.admin.post('/api/v1/channels', { name: 'CHANNEL A' }), 'name');
    const other = expectStatus(await t.admin.post('/api/v1/channels', { name: 'Channel c' }), 201);
    takenOn(await t.admin.patch(`/api/v1/channels/${other.id}`, { name: 'channel b' }), 'name');
  });

  it('a customer name within its channel, in any case', async () => {
    takenOn(
      await t.admin.post('/api/v1/customers', { name: 'CUSTOMER A1', channelId: t.a.channel.id }),
      'name',
    );
    takenOn(await t.admin.patch(`/api/v1/customers/${t.a.sibling.id}`, { name: 'customer a1' }), 'name');
  });

  it('a user e-mail', async () => {
    const dup = await t.admin.post('/api/v1/users', {
      email: 'Channel-A@example.com',
      name: 'Dup',
      role: 'provider_admin',
      password: 'long enough password',
    });
    takenOn(dup, 'email');
  });
});
