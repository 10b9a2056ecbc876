import { sql } from 'drizzle-orm';
import { ServicePageSchema } from '@trunkline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectBody, expectProblem, expectStatus, type Client } from '../support/client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The services list pages by keyset (`cursor` → `nextCursor`) as well as by page number, in every stored sort,
 * with the same rows in the same order; its total is exact up to 10,000 matches and an estimate beyond, said so.
 */
describe('services list: keyset pages and a cheap total', () => {
  let server: TestServer;
  let admin: Client;
  let customerId: string;
  const N = 23;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.admin();
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'Keyset customer' }), 201).id;
    for (let i = 0; i < N; i++)
      expectStatus(
        await admin.post('/api/v1/services', {
          customerId,
          type: 'direct-routing',
          // Names that sort differently from creation order, with ties on the licence count.
          fullName: `Keyset ${String((i * 7) % N).padStart(2, '0')}`,
          shortName: `keyset-${i}`,
          licenseType: 'hosted-essentials-plus',
          licensedUsers: 1 + (i % 3),
          adminAuth: { method: 'invite', email: `admin${i}@example.com` },
        }),
        201,
      );
  });
  afterAll(() => server?.close());

  const list = async (query: string) =>
    expectBody(await admin.get(`/api/v1/services?${query}`), 200, ServicePageSchema);

  for (const [sort, order] of [
    ['createdAt', 'desc'],
    ['createdAt', 'asc'],
    ['fullName', 'asc'],
    ['licensedUsers', 'desc'],
    ['customerName', 'asc'],
  ] as const)
    it(`walks the list by cursor as by page (${sort} ${order})`, async () => {
      const base = `customerId=${customerId}&sort=${sort}&order=${order}`;
      const all = await list(`${base}&pageSize=100`);
      expect(all.total).toBe(N);
      expect(all.totalIsEstimate).toBe(false);
      const byCursor: string[] = [];
      const byPage: string[] = [];
      let cursor: string | null = null;
      for (let page = 1; page <= 10; page++) {
        const p = await list(`${base}&pageSize=5&page=${page}`);
        byPage.push(...p.items.map((s) => s.id));
        const c = await list(`${base}&pageSize=5${cursor ? `&cursor=${cursor}` : ''}`);
        byCursor.push(...c.items.map((s) => s.id));
        cursor = c.nextCursor;
        if (!cursor) break;
      }
      expect(byCursor).toEqual(all.items.map((s) => s.id));
      expect(byPage).toEqual(byCursor);
      expect(new Set(byCursor).size).toBe(N);
    });

  it('refuses a cursor of another sort, a forged one, and one with the derived status sort', async () => {
    const first = await list(`customerId=${customerId}&pageSize=5`);
    expect(first.nextCursor).toBeTruthy();
    expectProblem(
      await admin.get(`/api/v1/services?pageSize=5&sort=fullName&cursor=${first.nextCursor}`),
      422,
      'validation_failed',
    );
    expectProblem(await admin.get('/api/v1/services?cursor=bm90LWEtY3Vyc29y'), 422, 'validation_failed');
    expectProblem(
      await admin.get(`/api/v1/services?sort=status&cursor=${first.nextCursor}`),
      422,
      'validation_failed',
    );
  });

  it('estimates the total beyond 10,000 matches and says so', async () => {
    const [one] = await queryRows<{ id: string }>(
      server.runtime.handle.db,
      sql`select id from services where customer_id = ${customerId} limit 1`,
    );
    await server.runtime.handle.db.execute(sql`
      insert into services (customer_id, type, full_name, short_name, subdomain, zone, trunk_fqdn, license_type,
                            licensed_users, status, admin_auth_method)
      select customer_id, type, 'Bulk ' || g, 'bulk-' || g, 'bulk-' || g, zone, 'bulk-' || g || '.' || zone,
             license_type, 1, status, admin_auth_method
      from services, generate_series(1, 10050) as g where id = ${one!.id}`);
    await server.runtime.handle.db.execute(sql`analyze services`);
    // PGlite runs in this thread: the insert held the event loop (seconds, with the search's trigram indexes), so
    // the server's keep-alive timers fire only now; let them close idle sockets before a request reuses one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const page = await list('pageSize=5');
    expect(page.totalIsEstimate).toBe(true);
    expect(page.total).toBeGreaterThan(10_000);
    const filtered = await list(`pageSize=5&q=keyset-1`);
    expect(filtered.totalIsEstimate).toBe(false);
    expect(filtered.total).toBe(11);
  });
});
