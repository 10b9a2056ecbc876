import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/client.ts';
import { seedTenancy, startTestServer, type Tenancy, type TestServer } from '../support/server.ts';

type Event = {
  action: string;
  actorName: string | null;
  targetName: string | null;
  customerName: string | null;
  sentence: string;
  summary: Record<string, unknown>;
};

/** The audit trail for people: names kept from the time of writing, a sentence per event, CSV export. */
describe('audit for people', () => {
  let server: TestServer;
  let t: Tenancy;
  let adminName: string;
  beforeAll(async () => {
    server = await startTestServer();
    t = await seedTenancy(server);
    adminName = expectStatus(await t.admin.get('/api/v1/me'), 200).name;
  });
  afterAll(() => server?.close());

  const events = async (query: string) =>
    expectStatus(await t.admin.get(`/api/v1/audit?${query}`), 200).items as Event[];

  it('keeps names and reads as sentences after the object is renamed and deleted', async () => {
    const customerId = t.a.customer.id;
    const svc = expectStatus(
      await t.a.channelClient.post('/api/v1/services', {
        customerId,
        type: 'direct-routing',
        fullName: 'Redmond HQ',
        shortName: 'redmond-hq',
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 5,
        adminAuth: { method: 'invite', email: 'it@contoso.example' },
      }),
      201,
    );
    expectStatus(
      await t.a.channelClient.patch(`/api/v1/services/${svc.id}`, { fullName: 'Redmond Campus' }),
      200,
    );
    expectStatus(await t.admin.delete(`/api/v1/services/${svc.id}`), 204);

    const [created] = await events(`action=service.create&customerId=${customerId}`);
    expect(created).toMatchObject({
      actorName: 'Channel admin a',
      targetName: 'Redmond HQ',
      customerName: 'Customer a1',
      sentence: 'Channel admin a added Customer a1 — Redmond HQ',
    });
    expect(created!.summary).toMatchObject({ shortName: 'redmond-hq' });
    const [invited] = await events(`action=invitation.send&customerId=${customerId}`);
    expect(invited!.sentence).toBe('Channel admin a sent an invitation for Customer a1 — Redmond HQ');
    const [renamed] = await events(`action=service.update&customerId=${customerId}`);
    expect(renamed!.sentence).toBe('Channel admin a changed Customer a1 — Redmond Campus');
    const [deleted] = await events(`action=service.delete&customerId=${customerId}`);
    expect(deleted!.sentence).toBe(`${adminName} deleted Customer a1 — Redmond Campus`);
    // No opaque ids in any sentence of this customer.
    for (const e of await events(`customerId=${customerId}`)) expect(e.sentence).not.toMatch(/[0-9a-f]{8}/);
  });

  it('exports the same filters and scope as CSV', async () => {
    const res = await fetch(`${server.url}/api/v1/audit/export.csv?action=service.create`, {
      headers: { cookie: t.a.channelClient.cookie! },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="trunkline-audit-/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'at,actor,actor e-mail,action,outcome,customer,target type,target,sentence,ip,details',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',Channel admin a added Customer a1 — Redmond HQ,');
    expect(lines[1]).toContain('"{""fullName"":""Redmond HQ""');

    // Another channel's admin sees none of it; a bad filter is the usual 422.
    const other = await fetch(`${server.url}/api/v1/audit/export.csv?action=service.create`, {
      headers: { cookie: t.b.channelClient.cookie! },
    });
    expect((await other.text()).trim().split('\r\n')).toHaveLength(1);
    const bad = await fetch(`${server.url}/api/v1/audit/export.csv?from=yesterday`, {
      headers: { cookie: t.admin.cookie! },
    });
    expect(bad.status).toBe(422);
  });
});
