import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import {
  InvitationStatuses,
  legacyStatusOf,
  LifecycleStates,
  ServicePageSchema,
  ServiceStatuses,
  TeamsRoleFacetStates,
  type Service,
} from '@trunkline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/platform/db/database.ts';
import { expectBody, expectStatus, type Client } from '../support/client.ts';
import { seedTenancy, startTestServer, type TestServer } from '../support/server.ts';

/**
 * The services list's `state` and `status` filters are evaluated by the database (`lifecycle/state-filter.ts`):
 * for services in generated mixes of connections, invitations (open, used up, expired), M365 settings and runs
 * (every kind, status and scope, with and without steps), each filter must answer exactly the services whose
 * lifecycle — derived in the process from the same rows, as every answer's `lifecycle` is — has that state, in
 * the list's order, page by page with the cursor, with the exact total.
 */

const N = 24;
const RUN_STATUSES = ['running', 'waiting', 'failed', 'succeeded', 'cancelled'] as const;
const OPEN = new Set(['running', 'waiting', 'failed']);

const facetsArb = fc.record({
  connection: fc.option(
    fc.record({ succeeded: fc.boolean(), teamsRole: fc.constantFrom(...TeamsRoleFacetStates) }),
    { nil: null },
  ),
  invitations: fc.array(
    fc.record({ status: fc.constantFrom(...InvitationStatuses), expired: fc.boolean() }),
    { maxLength: 2 },
  ),
  m365: fc.boolean(),
  runs: fc
    .array(
      fc.record({
        kind: fc.constantFrom('onboard', 'offboard'),
        status: fc.constantFrom(...RUN_STATUSES),
        scope: fc.constantFrom('routing', 'routing+sbc', 'sbc'),
        steps: fc.integer({ min: 0, max: 2 }),
      }),
      { maxLength: 3 },
    )
    // At most one open run per service (the unique index): later open ones become finished.
    .map((runs) => {
      let open = false;
      return runs.map((r) => {
        if (!OPEN.has(r.status)) return r;
        if (open) return { ...r, status: 'succeeded' as const };
        open = true;
        return r;
      });
    }),
});
type Facets = typeof facetsArb extends fc.Arbitrary<infer T> ? T : never;

describe('services list: state and status filters in the database', () => {
  let server: TestServer;
  let admin: Client;
  let customerId: string;
  let ids: string[] = [];

  const db = () => server.runtime.handle.db;
  const list = async (query: string) =>
    expectBody(await admin.get(`/api/v1/services?customerId=${customerId}&${query}`), 200, ServicePageSchema);

  /** Every page of `query` by cursor: the ids in order, and the total the first page answered. */
  const walk = async (query: string, pageSize: number) => {
    const first = await list(`${query}&pageSize=${pageSize}`);
    const out = first.items.map((s) => s.id);
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await list(`${query}&pageSize=${pageSize}&cursor=${cursor}`);
      out.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    }
    return { ids: out, total: first.total };
  };

  /** Replaces the facet rows of the generated services with `facets` (one entry per service). */
  const store = async (facets: readonly Facets[]) => {
    const these = sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    );
    await db().execute(sql`delete from workflows where service_id in (${these})`);
    await db().execute(sql`delete from invitations where service_id in (${these})`);
    await db().execute(sql`delete from service_connections where service_id in (${these})`);
    await db().execute(sql`delete from service_m365_settings where service_id in (${these})`);
    for (const [i, f] of facets.entries()) {
      const id = ids[i]!;
      if (f.connection)
        await db().execute(sql`
          insert into service_connections (service_id, method, last_success_at, last_error, teams_role_state)
          values (${id}, 'credentials', ${f.connection.succeeded ? sql`now()` : sql`null`},
                  ${f.connection.succeeded ? null : 'AADSTS50126'}, ${f.connection.teamsRole})`);
      for (const [k, inv] of f.invitations.entries())
        await db().execute(sql`
          insert into invitations (service_id, email, token_hash, status, expires_at, created_at)
          values (${id}, ${`admin${k}@example.com`}, ${`${id}-${k}`}, ${inv.status},
                  now() + ${inv.expired ? sql`interval '-1 hour'` : sql`interval '1 day'`},
                  now() - make_interval(mins => ${10 - k}))`);
      if (f.m365)
        await db().execute(
          sql`insert into service_m365_settings (service_id, m365_domain) values (${id}, 'contoso.example')`,
        );
      for (const [k, run] of f.runs.entries()) {
        const [row] = await queryRows<{ id: string }>(
          db(),
          sql`
          insert into workflows (service_id, kind, status, configure_dns, scope, plan, created_at)
          values (${id}, ${run.kind}, ${run.status}, true, ${run.scope}, '{}'::jsonb,
                  now() - make_interval(mins => ${10 - k}))
          returning id`,
        );
        for (let p = 0; p < run.steps; p++)
          await db().execute(sql`
            insert into workflow_steps (workflow_id, name, position, status, attempts)
            values (${row!.id}, ${p === 0 ? 'domain' : 'voice-routing'}, ${p}, 'succeeded', 1)`);
      }
    }
  };

  /** Every other service connected with the Teams role; every fourth also with M365 settings (ready). */
  const everyOtherConnected = () =>
    ids.map((_, i): Facets => ({
      connection: i % 2 === 0 ? { succeeded: true, teamsRole: 'assigned' } : null,
      invitations: [],
      m365: i % 4 === 0,
      runs: [],
    }));

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.admin();
    // A service made through the API (of another customer, with its invitation job) is the template of N
    // services of the customer under test, one second apart (the list's order is newest first), whose facet
    // rows only the test writes.
    const other = expectStatus(await admin.post('/api/v1/customers', { name: 'Template Ltd' }), 201);
    const template = expectStatus(
      await admin.post('/api/v1/services', {
        customerId: other.id,
        type: 'direct-routing',
        fullName: 'Template',
        shortName: 'template',
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: { method: 'invite', email: 'admin@example.com' },
      }),
      201,
    );
    customerId = expectStatus(await admin.post('/api/v1/customers', { name: 'State Filter Ltd' }), 201).id;
    await db().execute(sql`
      insert into services (customer_id, type, full_name, short_name, subdomain, zone, trunk_fqdn, license_type,
                            licensed_users, status, admin_auth_method, created_at)
      select ${customerId}, type, 'State ' || g, 'state-' || g, 'state-' || g, zone, 'state-' || g || '.' || zone,
             license_type, 1, status, admin_auth_method, now() - make_interval(secs => g)
      from services, generate_series(1, ${N}::int) as g where id = ${template.id}`);
    ids = (
      await queryRows<{ id: string }>(
        db(),
        sql`select id from services where customer_id = ${customerId} order by created_at desc, id desc`,
      )
    ).map((r) => r.id);
    expect(ids).toHaveLength(N);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers exactly the services in each state and status, in order, by cursor, with the exact total', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(facetsArb, { minLength: N, maxLength: N }), async (facets) => {
        await store(facets);
        // The oracle: every service's lifecycle as the process derives it, in the list's order.
        const everything = await list(`pageSize=100`);
        expect(everything.items.map((s) => s.id)).toEqual(ids);
        const stateOf = new Map(everything.items.map((s: Service) => [s.id, s.lifecycle.state]));
        for (const state of stateOf.values()) seen.add(state);
        for (const state of LifecycleStates) {
          const expected = ids.filter((id) => stateOf.get(id) === state);
          const got = await walk(`state=${state}`, 5);
          expect({ state, ids: got.ids }).toEqual({ state, ids: expected });
          expect(got.total).toBe(expected.length);
        }
        for (const status of ServiceStatuses) {
          const expected = ids.filter((id) => legacyStatusOf(stateOf.get(id)!) === status);
          const got = await walk(`status=${status}`, 7);
          expect({ status, ids: got.ids }).toEqual({ status, ids: expected });
          expect(got.total).toBe(expected.length);
        }
        // Both filters together, oldest first.
        const both = await walk('state=ready&status=connected&order=asc', 3);
        expect(both.ids).toEqual(ids.filter((id) => stateOf.get(id) === 'ready').reverse());
      }),
      { numRuns: 15 },
    );
    // The generated mixes reached every state.
    expect([...seen].sort()).toEqual([...LifecycleStates].sort());
  }, 120_000);

  it("keeps to the caller's scope: other channels' and customers' admins see none of these services", async () => {
    await store(everyOtherConnected());
    const { a } = await seedTenancy(server);
    for (const client of [a.channelClient, a.customerClient])
      for (const query of ['state=ready', 'state=not-connected', 'status=connected']) {
        const page = expectBody(
          await client.get(`/api/v1/services?${query}&pageSize=100`),
          200,
          ServicePageSchema,
        );
        expect(page.items.filter((s) => ids.includes(s.id))).toEqual([]);
      }
    expect((await list('state=ready&pageSize=100')).total).toBe(ids.filter((_, i) => i % 4 === 0).length);
  });

  it('pages a state filter by cursor in other sorts, and sorts by status over the filter', async () => {
    await store(everyOtherConnected());
    const ready = ids.filter((_, i) => i % 4 === 0);
    for (const sort of ['fullName', 'shortName', 'licensedUsers', 'customerName']) {
      const byPage = await list(`state=ready&sort=${sort}&pageSize=100`);
      expect(new Set(byPage.items.map((s) => s.id))).toEqual(new Set(ready));
      const byCursor = await walk(`state=ready&sort=${sort}`, 2);
      expect(byCursor.ids).toEqual(byPage.items.map((s) => s.id));
    }
    const byStatus = await list('status=connected&sort=status&order=asc&pageSize=100');
    expect(byStatus.items.map((s) => s.lifecycle.label)).toEqual([
      ...ids.filter((_, i) => i % 4 === 2).map(() => 'M365 settings needed'),
      ...ready.map(() => 'Ready for routing'),
    ]);
  });
});
