import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { ServicePageSchema } from '@trunkline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectBody, expectStatus, type Client } from '../support/client.ts';
import { seedTenancy, startTestServer, type TestServer } from '../support/server.ts';

/**
 * The services search (`q`) is served by trigram indexes and a rewritten query (services.repository.ts): it must
 * still answer exactly the services whose full name, short name or customer's name contains `q`, ignoring case,
 * with LIKE's wildcards taken literally, for needles of any length (under three characters no trigram helps),
 * in every sort, page by page with the cursor.
 */

// Characters the generated names and needles are made of: both cases, LIKE's wildcards and escape, separators,
// and characters without case outside ASCII (case folding of other letters depends on the database's locale).
const ALPHABET = ['a', 'B', 'c', 'D', 'A', 'b', '%', '_', '\\', ' ', '1', '-', '.', '€', 'ß'];
const text = (min: number, max: number) =>
  fc.array(fc.constantFrom(...ALPHABET), { minLength: min, maxLength: max }).map((cs) => cs.join(''));

/** The needle with the case of its ASCII letters swapped ('ß'.toUpperCase() would be 'SS'). */
const swapCase = (s: string) =>
  s.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));

type Stored = { id: string; fullName: string; shortName: string; customerName: string };

describe('services search: the same answer as a plain filter', () => {
  let server: TestServer;
  let admin: Client;
  const stored: Stored[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.admin();
    const db = server.runtime.handle.db;
    // Filler rows, none of which any needle made of ALPHABET can match: the tables are large enough that the
    // planner reaches for the trigram indexes on selective needles.
    const filler = expectStatus(await admin.post('/api/v1/customers', { name: 'Xyz Ghkl' }), 201);
    const template = expectStatus(
      await admin.post('/api/v1/services', {
        customerId: filler.id,
        type: 'direct-routing',
        fullName: 'Xyz Ghijk',
        shortName: 'xyzghijk',
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: { method: 'invite', email: 'admin@example.com' },
      }),
      201,
    );
    await db.execute(sql`
      insert into services (customer_id, type, full_name, short_name, subdomain, zone, trunk_fqdn, license_type,
                            licensed_users, status, admin_auth_method)
      select customer_id, type, 'Xyz ' || translate(g::text, '0123456789', 'ghijklmnop'),
             'xyz' || translate(g::text, '0123456789', 'ghijklmnop'), 'fill' || g, zone,
             'fill' || g || '.' || zone, license_type, 1, status, admin_auth_method
      from services, generate_series(1, 2000) as g where id = ${template.id}`);
    // PGlite runs in this thread: that statement held the event loop, so the server's connection timers fire only
    // now. Let them run before the next request reuses a kept-alive socket they are closing.
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Generated customers and services with names that exercise case, wildcards and short needles.
    const world = fc.sample(
      fc.record({
        customers: fc.uniqueArray(text(1, 8), {
          minLength: 4,
          maxLength: 4,
          selector: (n) => n.trim().toLowerCase(),
        }),
        services: fc.array(fc.record({ fullName: text(1, 12), shortName: text(1, 8) }), {
          minLength: 36,
          maxLength: 36,
        }),
      }),
      { numRuns: 1, seed: 20261207 },
    )[0]!;
    const customers = await Promise.all(
      world.customers.map(async (name, i) => ({
        id: expectStatus(await admin.post('/api/v1/customers', { name: `${name.trim() || 'x'}${i}` }), 201)
          .id as string,
      })),
    );
    const [row] = await queryRows<{ zone: string }>(db, sql`select zone from services limit 1`);
    for (const [i, s] of world.services.entries()) {
      const customer = customers[i % customers.length]!;
      const [inserted] = await queryRows<{ id: string }>(
        db,
        sql`insert into services (customer_id, type, full_name, short_name, subdomain, zone, trunk_fqdn,
                                  license_type, licensed_users, status, admin_auth_method)
            values (${customer.id}, 'direct-routing', ${s.fullName}, ${`${s.shortName}#${i}`}, ${`gen${i}`},
                    ${row!.zone}, ${`gen${i}.${row!.zone}`}, 'hosted-essentials-plus', ${1 + (i % 4)}, 'draft',
                    'invite')
            returning id`,
      );
      stored.push({
        id: inserted!.id,
        fullName: s.fullName,
        shortName: `${s.shortName}#${i}`,
        customerName: '',
      });
    }
    const names = await queryRows<{ id: string; name: string }>(
      db,
      sql`select s.id, c.name from services s join customers c on c.id = s.customer_id`,
    );
    const nameOf = new Map(names.map((n) => [n.id, n.name]));
    for (const s of stored) s.customerName = nameOf.get(s.id)!;
    await db.execute(sql`analyze`);
  });
  afterAll(() => server?.close());

  /** Every page of a search, walked by cursor. */
  const search = async (q: string, sort: string, order: string, pageSize: number) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let total = -1;
    for (let pages = 0; pages < 200; pages++) {
      const params = new URLSearchParams({ q, sort, order, pageSize: String(pageSize) });
      if (cursor) params.set('cursor', cursor);
      const page = expectBody(await admin.get(`/api/v1/services?${params}`), 200, ServicePageSchema);
      if (total === -1) total = page.total;
      ids.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return { ids, total };
  };

  const expected = (q: string) => {
    const needle = q.trim().toLowerCase();
    return stored
      .filter((s) => [s.fullName, s.shortName, s.customerName].some((n) => n.toLowerCase().includes(needle)))
      .map((s) => s.id);
  };

  it('finds exactly the services a plain case-insensitive substring filter finds', async () => {
    const needles = fc.oneof(
      // A piece of a stored name, its case changed at random.
      fc
        .record({
          i: fc.nat(),
          which: fc.constantFrom('fullName', 'shortName', 'customerName') as fc.Arbitrary<keyof Stored>,
          from: fc.nat(),
          length: fc.integer({ min: 1, max: 6 }),
          swap: fc.boolean(),
        })
        .map(({ i, which, from, length, swap }) => {
          const name = stored[i % stored.length]![which];
          const start = from % name.length;
          const piece = name.slice(start, start + length);
          return swap ? swapCase(piece) : piece;
        }),
      // Anything made of the alphabet, from one character.
      text(1, 5),
    );
    await fc.assert(
      fc.asyncProperty(
        needles.filter((q) => q.trim() !== ''),
        fc.constantFrom('createdAt', 'fullName', 'shortName', 'customerName', 'licensedUsers'),
        fc.constantFrom('asc', 'desc'),
        fc.integer({ min: 3, max: 20 }),
        async (q, sort, order, pageSize) => {
          const want = expected(q);
          const got = await search(q, sort, order, pageSize);
          expect(got.total).toBe(want.length);
          expect(new Set(got.ids).size).toBe(got.ids.length);
          expect([...got.ids].sort()).toEqual([...want].sort());
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
  });

  it('finds a service by a needle of three or more characters, one of two or fewer, and by its customer', async () => {
    const s = stored.find((x) => x.shortName.length >= 5 && x.fullName.trim().length >= 2)!;
    for (const q of [s.shortName.slice(0, 5), s.fullName.trim().slice(0, 2), s.customerName]) {
      const { ids } = await search(swapCase(q), 'createdAt', 'desc', 50);
      expect(ids).toContain(s.id);
      expect([...ids].sort()).toEqual([...expected(q)].sort());
    }
    // A wildcard is a character, not a pattern.
    expect((await search('%%%_', 'createdAt', 'desc', 50)).ids.sort()).toEqual(expected('%%%_').sort());
  });
});

describe('services search: within the scope', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it("does not find another customer's services by that customer's name", async () => {
    const t = await seedTenancy(server);
    for (const [customerId, shortName] of [
      [t.a.customer.id, 'scope-a'],
      [t.b.customer.id, 'scope-b'],
    ] as const)
      expectStatus(
        await t.admin.post('/api/v1/services', {
          customerId,
          type: 'direct-routing',
          fullName: `Scope ${shortName}`,
          shortName,
          licenseType: 'hosted-essentials-plus',
          licensedUsers: 1,
          adminAuth: { method: 'invite', email: `${shortName}@example.com` },
        }),
        201,
      );
    const found = async (client: Client, q: string) =>
      expectBody(
        await client.get(`/api/v1/services?q=${encodeURIComponent(q)}`),
        200,
        ServicePageSchema,
      ).items.map((s) => s.shortName);
    expect(await found(t.admin, t.b.customer.name)).toEqual(['scope-b']);
    expect(await found(t.a.customerClient, t.b.customer.name)).toEqual([]);
    expect(await found(t.a.customerClient, 'Customer')).toEqual(['scope-a']);
    expect(await found(t.b.channelClient, 'scope')).toEqual(['scope-b']);
  });
});
