import os from 'node:os';
import { sql } from 'drizzle-orm';
import { seedTemplateService, startStack, throwawayDatabase, type Stack } from '../scale/stack.ts';
import { machine, writeResult } from '../results.ts';
import { percentile, roundMs as round, sampleMs } from '../stats.ts';

/**
 * Issue #14's bench item 5: p50/p95/p99 of the API's read paths at `n` services (default 10,000), on in-memory
 * PGlite, or on the PostgreSQL server `databaseUrl` names (a throwaway database is created there and dropped).
 *
 * The world: `n / 20` customers with names like "Customer 0042 Fabrikam", `n` services spread over them
 * ("Service 04242", `svc-04242`, created one second apart) and one audit event per service, bulk-inserted in SQL
 * and analysed, then the API is asked as the provider admin, one request at a time.
 */
export const apiGoals = { searchP95Ms: { pglite: 50, postgres: 20 } } as const;

export type Timing = { p50: number; p95: number; p99: number; runs: number; total?: number };
export type ApiResult = {
  database: 'pglite' | 'postgres';
  services: number;
  customers: number;
  auditEvents: number;
  /** Milliseconds of one request, measured at the client over loopback. */
  figures: Record<string, Timing>;
  /** Seconds to seed and analyse the world. */
  seedSeconds: number;
};

const CUSTOMER_WORDS = ['Contoso', 'Fabrikam', 'Northwind', 'Tailspin', 'Woodgrove'];

export async function apiAt(
  n: number,
  options: { databaseUrl?: string; runs?: number } = {},
): Promise<ApiResult> {
  const runs = options.runs ?? 100;
  const database = options.databaseUrl ? await throwawayDatabase(options.databaseUrl, 'tl_bench') : undefined;
  const s = await startStack({}, 'api', database?.handle);
  try {
    const t0 = performance.now();
    const customers = Math.max(1, Math.round(n / 20));
    await seed(s, n, customers);
    // PGlite runs in this thread: the seed's long statements held the event loop, so the server's keep-alive
    // timers fire only now. Let them close the idle sockets before the next request would race them.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const seedSeconds = (performance.now() - t0) / 1000;

    const pad = (i: number) => String(i).padStart(5, '0');
    const middle = Math.floor(n / 2);
    const [aService] = await s.rows<{ id: string }>(
      sql`select id from services where short_name = ${`svc-${pad(middle)}`}`,
    );
    const [aCustomer] = await s.rows<{ name: string }>(
      sql`select name from customers where name like 'Customer %' order by name offset ${Math.floor(customers / 2)} limit 1`,
    );
    const customerNeedle = aCustomer!.name.split(' ').slice(0, 2).join(' '); // "Customer 0042": its 20 services

    // The cursor of the list's last page (newest first), found by walking the list as a client would.
    let cursor: string | null = null;
    let before: string | null = null;
    for (;;) {
      const page: { nextCursor: string | null } = await s.call(
        'GET',
        `/api/v1/services?pageSize=50${cursor ? `&cursor=${cursor}` : ''}`,
      );
      if (!page.nextCursor) break;
      before = cursor;
      cursor = page.nextCursor;
    }
    const lastCursor = cursor ?? before;
    // The same for the list filtered by lifecycle state (`ready`: one service in five, see `seed`).
    let stateCursor: string | null = null;
    let stateBefore: string | null = null;
    for (;;) {
      const page: { nextCursor: string | null } = await s.call(
        'GET',
        `/api/v1/services?pageSize=50&state=ready${stateCursor ? `&cursor=${stateCursor}` : ''}`,
      );
      if (!page.nextCursor) break;
      stateBefore = stateCursor;
      stateCursor = page.nextCursor;
    }
    const lastStateCursor = stateCursor ?? stateBefore;

    const timed = async (url: string): Promise<Timing> => {
      let total: number | undefined;
      const samples = await sampleMs(
        async () => {
          total = (await s.call<{ total?: number }>('GET', url)).total;
        },
        { runs, warmup: 5 },
      );
      return {
        p50: round(percentile(samples, 50)),
        p95: round(percentile(samples, 95)),
        p99: round(percentile(samples, 99)),
        runs,
        ...(total === undefined ? {} : { total }),
      };
    };
    const q = encodeURIComponent;
    const figures: Record<string, Timing> = {
      'services, first page': await timed('/api/v1/services?pageSize=50'),
      'services, last page (cursor)': await timed(
        `/api/v1/services?pageSize=50${lastCursor ? `&cursor=${lastCursor}` : ''}`,
      ),
      'services, search (one service)': await timed(
        `/api/v1/services?pageSize=50&sort=shortName&q=${q(`svc-${pad(middle)}`)}`,
      ),
      'services, search (a customer, 20)': await timed(`/api/v1/services?pageSize=50&q=${q(customerNeedle)}`),
      'services, search (2 characters)': await timed(`/api/v1/services?pageSize=50&q=${q('9x')}`),
      'services, state filter (ready, 1 in 5), first page': await timed(
        '/api/v1/services?pageSize=50&state=ready',
      ),
      'services, state filter (ready), last page (cursor)': await timed(
        `/api/v1/services?pageSize=50&state=ready${lastStateCursor ? `&cursor=${lastStateCursor}` : ''}`,
      ),
      'services, state filter (active, 1 in 100), first page': await timed(
        '/api/v1/services?pageSize=50&state=active',
      ),
      'services, status filter (connected, 2 in 5), first page': await timed(
        '/api/v1/services?pageSize=50&status=connected',
      ),
      'service detail': await timed(`/api/v1/services/${aService!.id}`),
      'customers, first page': await timed('/api/v1/customers?pageSize=50'),
      'audit, first page': await timed('/api/v1/audit?pageSize=50'),
    };
    return {
      database: database ? 'postgres' : 'pglite',
      services: n,
      customers,
      auditEvents: n,
      figures,
      seedSeconds: round(seedSeconds),
    };
  } finally {
    await s.stop();
    await database?.drop();
  }
}

/** `customers` customers, `n` services over them (one made through the API as the template) and their audit. */
export async function seed(s: Stack, n: number, customers: number) {
  const { service: template } = await seedTemplateService(s, {
    customer: 'Customer 0000 Seed',
    fullName: 'Service 00000',
    shortName: 'svc-00000',
  });
  await s.rows(sql`
    insert into customers (name, created_at)
    select 'Customer ' || lpad(g::text, 4, '0') || ' ' || (string_to_array(${CUSTOMER_WORDS.join(',')}, ','))[1 + g % 5],
           now() - make_interval(secs => g)
    from generate_series(1, ${customers - 1}::int) as g`);
  for (let from = 1; from <= n - 1; from += 20_000) {
    const to = Math.min(n - 1, from + 19_999);
    await s.rows(sql`
      with cs as (select array_agg(id order by name) as ids from customers where name like 'Customer %')
      insert into services (customer_id, type, full_name, short_name, subdomain, zone, trunk_fqdn, license_type,
                            licensed_users, status, admin_auth_method, created_at)
      select cs.ids[1 + g % ${customers}], t.type, 'Service ' || lpad(g::text, 5, '0'),
             'svc-' || lpad(g::text, 5, '0'), 'svc-' || lpad(g::text, 5, '0'), t.zone,
             'svc-' || lpad(g::text, 5, '0') || '.' || t.zone, t.license_type, 1, t.status, t.admin_auth_method,
             now() - make_interval(secs => g)
      from cs, services t, generate_series(${from}::int, ${to}::int) as g where t.id = ${template.id}`);
  }
  // Mixed lifecycle states for the state filter's figures, by the number g in the short name: g % 5 = 1 settings
  // needed (connected, Teams role assigned), 2 ready (and M365 settings), 3 connection failed; g % 100 = 4 active
  // (a finished onboarding run with one step); the rest not connected.
  await s.rows(sql`
    insert into service_connections (service_id, method, last_success_at, last_error, teams_role_state)
    select id, 'credentials', case when g % 5 = 3 then null else now() end,
           case when g % 5 = 3 then 'AADSTS50126: invalid username or password' end,
           case when g % 5 = 3 then 'unknown' else 'assigned' end
    from (select id, substr(short_name, 5)::int as g from services where short_name like 'svc-%') as s
    where g > 0 and g % 5 in (1, 2, 3)`);
  await s.rows(sql`
    insert into service_m365_settings (service_id, m365_domain)
    select id, short_name || '.example' from (select id, short_name, substr(short_name, 5)::int as g
      from services where short_name like 'svc-%') as s
    where g > 0 and g % 5 = 2`);
  await s.rows(sql`
    with runs as (
      insert into workflows (service_id, kind, status, configure_dns, plan, finished_at)
      select id, 'onboard', 'succeeded', true, '{}'::jsonb, now()
      from (select id, substr(short_name, 5)::int as g from services where short_name like 'svc-%') as s
      where g > 0 and g % 100 = 4
      returning id)
    insert into workflow_steps (workflow_id, name, position, status, attempts)
    select id, 'voice-routing', 0, 'succeeded', 1 from runs`);
  // One audit event per service, like the template's own creation event.
  await s.rows(sql`
    insert into audit_events (at, actor_id, actor_email, channel_id, customer_id, action, target_type, target_id,
                              outcome, summary, ip, actor_name, target_name, customer_name)
    select s.created_at, e.actor_id, e.actor_email, e.channel_id, s.customer_id, e.action, e.target_type,
           s.id::text, e.outcome, e.summary, e.ip, e.actor_name, s.full_name, c.name
    from services s join customers c on c.id = s.customer_id,
         (select * from audit_events where target_id = ${template.id} order by at limit 1) as e
    where s.id <> ${template.id}`);
  await s.rows(sql`analyze`);
}

/** The figures as table rows, and the goals missed. */
export function report(result: ApiResult): { table: string; misses: string[] } {
  const lines = [
    `| ${result.database}, ${result.services} services | p50 ms | p95 ms | p99 ms |`,
    '|---|---|---|---|',
    ...Object.entries(result.figures).map(([name, t]) => `| ${name} | ${t.p50} | ${t.p95} | ${t.p99} |`),
  ];
  const goal = apiGoals.searchP95Ms[result.database];
  const misses = Object.entries(result.figures)
    .filter(
      ([name, t]) => name.startsWith('services, search') && !name.includes('2 characters') && t.p95 > goal,
    )
    .map(
      ([name, t]) =>
        `api (${result.database}, ${result.services} services): ${name} p95 ${t.p95} ms (goal < ${goal} ms)`,
    );
  return { table: lines.join('\n'), misses };
}

/**
 * The API group of `npm run bench` (docs/BENCHMARKS.md "API"): 10,000 services (`full`: also 100,000; `ci`: 2,000
 * with fewer samples) on PGlite, and on PostgreSQL when `databaseUrl` is given. Prints a table per database and
 * size, writes bench/results/api-<time>.json with CPU count, load and Node version, answers the goals missed.
 */
export async function runApi(options: { full?: boolean; ci?: boolean; databaseUrl?: string } = {}) {
  const sizes = options.ci ? [2_000] : options.full ? [10_000, 100_000] : [10_000];
  const runs = options.ci ? 20 : 100;
  const load0 = os.loadavg();
  const results: ApiResult[] = [];
  const misses: string[] = [];
  for (const databaseUrl of [undefined, ...(options.databaseUrl ? [options.databaseUrl] : [])])
    for (const n of sizes) {
      const t0 = performance.now();
      const result = await apiAt(n, { runs, ...(databaseUrl ? { databaseUrl } : {}) });
      results.push(result);
      const { table, misses: missed } = report(result);
      // The goals are for 10,000 services; other sizes are reported.
      if (n === 10_000) misses.push(...missed);
      console.log(
        `\n## API, ${result.database}, ${n} services (seeded in ${result.seedSeconds} s, ${((performance.now() - t0) / 1000).toFixed(0)} s in all, ${runs} requests each)\n${table}`,
      );
    }
  const file = writeResult('api', {
    full: Boolean(options.full),
    ci: Boolean(options.ci),
    ...machine(load0),
    goals: apiGoals,
    results,
    misses,
  });
  console.log(`written ${file}`);
  return misses;
}
