import os from 'node:os';
import { sql } from 'drizzle-orm';
import { ORIGIN, seedTemplateService, startStack, throwawayDatabase, type Stack } from '../scale/stack.ts';
import { machine, writeResult } from '../results.ts';
import { percentile, roundMs as round, sampleMs } from '../stats.ts';

/**
 * Issue #15's dashboard figures (docs/BENCHMARKS.md "QoE"): p50/p95 of the QoE dashboard's requests with `streams`
 * media streams stored (full size one million), on in-memory PGlite, and on the PostgreSQL server `databaseUrl`
 * names (a throwaway database is created there and dropped).
 *
 * The world, bulk-inserted in SQL (generate_series) and analysed: 50 customers with 4 services each, calls of two
 * streams each spread evenly over the last 30 days (about 10 % with a poor stream), and one Direct Routing log row
 * per call plus 8 % failed attempts (SIP 486/480/404/503). Then the API is asked one request at a time as the
 * provider admin (everything) and as a customer admin (4 services).
 */
export const dashboardGoals = { summaryDayP95Ms: 300 } as const;

export type Timing = { p50: number; p95: number; runs: number };
export type DashboardResult = {
  database: 'pglite' | 'postgres';
  streams: number;
  calls: number;
  directRoutingRows: number;
  services: number;
  seedSeconds: number;
  figures: Record<string, Timing>;
};

const CUSTOMERS = 50;
const SERVICES_PER_CUSTOMER = 4;
const DAYS = 30;
const CHUNK = 100_000;
const CUSTOMER_PASSWORD = 'bench customer password';

/** Customers and services (one service made through the API as the template, the rest copied from it). */
export async function seedTenancy(s: Stack) {
  const { customer: first, service: template } = await seedTemplateService(s, {
    customer: 'QoE customer 00',
    fullName: 'QoE service 000',
    shortName: 'qoe-000',
  });
  await s.rows(sql`
    insert into customers (name)
    select 'QoE customer ' || lpad(g::text, 2, '0') from generate_series(1, ${CUSTOMERS - 1}::int) as g`);
  await s.rows(sql`
    with cs as (select array_agg(id order by name) as ids from customers where name like 'QoE customer %')
    insert into services (customer_id, type, full_name, short_name, subdomain, zone, trunk_fqdn, license_type,
                          licensed_users, status, admin_auth_method)
    select cs.ids[1 + g / ${SERVICES_PER_CUSTOMER}], t.type, 'QoE service ' || lpad(g::text, 3, '0'),
           'qoe-' || lpad(g::text, 3, '0'), 'qoe-' || lpad(g::text, 3, '0'), t.zone,
           'qoe-' || lpad(g::text, 3, '0') || '.' || t.zone, t.license_type, 1, t.status, t.admin_auth_method
    from cs, services t, generate_series(1, ${CUSTOMERS * SERVICES_PER_CUSTOMER - 1}::int) as g
    where t.id = ${template.id}`);
  return { customerId: first.id };
}

/**
 * `calls` calls of two streams each over the last 30 days, spread over every service, and their Direct Routing
 * log rows. Metrics are pseudo-random from hashes of the row number (deterministic); `poor` follows Microsoft's
 * thresholds as the ingest computes it.
 */
export async function seedCalls(s: Stack, calls: number) {
  const services = sql`(select array_agg(id order by short_name) as ids from services where short_name like 'qoe-%')`;
  const span = DAYS * 86_400;
  for (let from = 1; from <= calls; from += CHUNK) {
    const to = Math.min(calls, from + CHUNK - 1);
    // Per call a hash of its number; poor calls (h % 100 < 10) get a first stream over the thresholds.
    await s.rows(sql`
      with sv as ${services},
      c as (
        insert into qoe_calls (service_id, call_id, version, type, modalities, start_at, end_at, session_count,
                               has_pstn, stream_count, poor_stream_count)
        select sv.ids[1 + g % array_length(sv.ids, 1)], md5(g::text)::uuid::text, 1, 'peerToPeer', '{audio}',
               now() - make_interval(secs => (g::float8 * ${span} / ${calls})),
               now() - make_interval(secs => (g::float8 * ${span} / ${calls})) + interval '3 minutes',
               1, true, 2, case when abs(hashint4(g)::int8) % 100 < 10 then 1 else 0 end
        from sv, generate_series(${from}::int, ${to}::int) as g
        returning service_id, call_id, start_at, end_at, poor_stream_count)
      insert into qoe_streams (service_id, call_id, session_id, segment_id, start_at, end_at, caller_kind,
                               callee_kind, caller_id, callee_id, modalities, media_label, direction, audio_codec,
                               avg_jitter_ms, max_jitter_ms, avg_packet_loss, max_packet_loss, avg_round_trip_ms,
                               max_round_trip_ms, avg_audio_degradation, avg_concealed_ratio, max_concealed_ratio,
                               media_bypassed, poor)
      select c.service_id, c.call_id, 'session-' || c.call_id, 'segment-' || c.call_id, c.start_at, c.end_at,
             case k when 0 then 'direct-routing' else 'user' end, case k when 0 then 'user' else 'direct-routing' end,
             '+14255550100', null, '{audio}', 'main-audio',
             case k when 0 then 'callerToCallee' else 'calleeToCaller' end, 'g711',
             m.jitter, m.jitter * 2, m.loss, m.loss * 2, m.rtt, m.rtt * 1.5, m.degradation, m.concealed,
             m.concealed * 2, false,
             m.jitter > 30 or m.loss > 0.1 or m.rtt > 500 or m.degradation > 1 or m.concealed > 0.07
      from c
      cross join generate_series(0, 1) as k
      cross join lateral (select abs(hashtext(c.call_id || k::text)::int8) as h,
                                 c.poor_stream_count > 0 and k = 0 as bad) as x
      cross join lateral (select
          (case when x.bad then 35 + x.h % 50 else 2 + x.h % 12 end)::real as jitter,
          (case when x.bad then 0.11 + (x.h % 100) / 1000.0 else (x.h % 100) / 10000.0 end)::real as loss,
          (case when x.bad then 550 + x.h % 300 else 20 + x.h % 90 end)::real as rtt,
          (case when x.bad then 1.2 + (x.h % 100) / 100.0 else (x.h % 30) / 100.0 end)::real as degradation,
          (case when x.bad then 0.08 + (x.h % 10) / 100.0 else (x.h % 20) / 1000.0 end)::real as concealed) as m`);
  }
  // One log row per call (answered), then 8 % failed attempts, spread the same way.
  const failed = Math.round(calls * 0.08);
  for (let from = 1; from <= calls + failed; from += CHUNK) {
    const to = Math.min(calls + failed, from + CHUNK - 1);
    await s.rows(sql`
      with sv as ${services},
           codes as (select array[486, 480, 404, 503] as c, array['Busy Here', 'Temporarily Unavailable',
                     'Not Found', 'Service Unavailable'] as p)
      insert into qoe_dr_calls (service_id, id, correlation_id, call_type, start_at, end_at, successful,
                                final_sip_code, final_sip_phrase, call_end_sub_reason, trunk_fqdn, caller_number,
                                callee_number, duration_seconds, media_bypass)
      select sv.ids[1 + g % array_length(sv.ids, 1)], md5('dr' || g)::uuid::text, md5('corr' || g)::uuid::text,
             'ByotIn', now() - make_interval(secs => t.secs), now() - make_interval(secs => t.secs) + interval '3 minutes',
             g <= ${calls}, case when g <= ${calls} then 0 else codes.c[1 + g % 4] end,
             case when g <= ${calls} then 'BYE' else codes.p[1 + g % 4] end, 540000, null, '+14255550100',
             '+12065550100', case when g <= ${calls} then 180 else 0 end, false
      from sv, codes, generate_series(${from}::int, ${to}::int) as g
      cross join lateral (select case when g <= ${calls} then g::float8 * ${span} / ${calls}
                                      else (g - ${calls})::float8 * ${span} / ${Math.max(1, failed)} end as secs) as t`);
  }
  // What autovacuum does to a table filled over a month (PostgreSQL 13+ vacuums after inserts too): statistics and
  // the visibility map, without which the index-only scans would still read the heap.
  for (const table of ['qoe_calls', 'qoe_streams', 'qoe_dr_calls'])
    await s.rows(sql.raw(`vacuum (analyze) ${table}`));
  await s.rows(sql`analyze`);
}

/** A customer admin of `customerId`, signed in: their session cookie. */
async function customerAdmin(s: Stack, customerId: string): Promise<string> {
  const user = await s.call('POST', '/api/v1/users', {
    email: 'qoe-customer@example.com',
    name: 'QoE customer admin',
    role: 'customer_admin',
    customerId,
    password: CUSTOMER_PASSWORD,
  });
  const login = await fetch(`${s.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ email: user.email, password: CUSTOMER_PASSWORD }),
  });
  if (login.status >= 400) throw new Error(`customer admin sign-in: ${login.status}`);
  return login.headers.getSetCookie()[0]!.split(';')[0]!;
}

export async function dashboardAt(
  streams: number,
  options: { databaseUrl?: string; runs?: number } = {},
): Promise<DashboardResult> {
  const runs = options.runs ?? 50;
  const calls = Math.round(streams / 2);
  const database = options.databaseUrl
    ? await throwawayDatabase(options.databaseUrl, 'tl_bench_qoe')
    : undefined;
  const s = await startStack({}, 'api', database?.handle);
  try {
    const t0 = performance.now();
    const { customerId } = await seedTenancy(s);
    await seedCalls(s, calls);
    // PGlite runs in this thread: let the server's keep-alive timers close idle sockets the seed held up.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const seedSeconds = (performance.now() - t0) / 1000;
    const [counts] = await s.rows<{ streams: number; calls: number; dr: number }>(sql`
      select (select count(*)::int from qoe_streams) as streams, (select count(*)::int from qoe_calls) as calls,
             (select count(*)::int from qoe_dr_calls) as dr`);
    const customerCookie = await customerAdmin(s, customerId);
    const [oneService] = await s.rows<{ id: string }>(
      sql`select id from services where short_name = 'qoe-007'`,
    );
    const someServices = await s.rows<{ id: string }>(
      sql`select id from services where short_name like 'qoe-%' order by short_name limit 50`,
    );
    const [aPoorCall] = await s.rows<{ service_id: string; call_id: string }>(
      sql`select service_id, call_id from qoe_calls where poor_stream_count > 0 order by start_at desc limit 1`,
    );

    const get = async (url: string, cookie = s.cookie) => {
      const res = await fetch(s.url + url, { headers: { cookie, origin: ORIGIN } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as { nextCursor?: string | null };
    };
    const timed = async (url: string, cookie?: string): Promise<Timing> => {
      const samples = await sampleMs(() => get(url, cookie), { runs, warmup: 3 });
      return { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)), runs };
    };
    const now = Date.now();
    const range = (days: number) =>
      `from=${new Date(now - days * 86_400_000).toISOString()}&to=${new Date(now).toISOString()}`;
    // A cursor ten pages deep into the provider's last 7 days.
    let cursor: string | null | undefined = null;
    for (let i = 0; i < 10; i++)
      cursor = (await get(`/api/v1/qoe/calls?${range(7)}&limit=50${cursor ? `&cursor=${cursor}` : ''}`))
        .nextCursor;

    const figures: Record<string, Timing> = {
      'summary, provider, 24 h': await timed(`/api/v1/qoe/summary?${range(1)}`),
      'summary, provider, 7 days': await timed(`/api/v1/qoe/summary?${range(7)}`),
      'summary, provider, 30 days': await timed(`/api/v1/qoe/summary?${range(30)}`),
      'summary, customer admin, 24 h': await timed(`/api/v1/qoe/summary?${range(1)}`, customerCookie),
      'summary, customer admin, 30 days': await timed(`/api/v1/qoe/summary?${range(30)}`, customerCookie),
      'summary, one service, 7 days': await timed(
        `/api/v1/qoe/summary?${range(7)}&serviceId=${oneService!.id}`,
      ),
      'calls, provider, first page': await timed(`/api/v1/qoe/calls?${range(1)}&limit=50`),
      'calls, provider, 10 pages deep (cursor)': await timed(
        `/api/v1/qoe/calls?${range(7)}&limit=50${cursor ? `&cursor=${cursor}` : ''}`,
      ),
      'calls, provider, poor only': await timed(`/api/v1/qoe/calls?${range(7)}&limit=50&poor=true`),
      'calls, provider, failed only': await timed(`/api/v1/qoe/calls?${range(7)}&limit=50&failed=true`),
      'calls, customer admin, first page': await timed(
        `/api/v1/qoe/calls?${range(7)}&limit=50`,
        customerCookie,
      ),
      'call detail': await timed(`/api/v1/services/${aPoorCall!.service_id}/qoe/calls/${aPoorCall!.call_id}`),
      'service summary (24 h)': await timed(`/api/v1/services/${oneService!.id}/qoe/summary`),
      'service summaries, 50 services': await timed(
        `/api/v1/qoe/service-summaries?serviceIds=${someServices.map((r) => r.id).join(',')}`,
      ),
    };
    return {
      database: database ? 'postgres' : 'pglite',
      streams: counts!.streams,
      calls: counts!.calls,
      directRoutingRows: counts!.dr,
      services: CUSTOMERS * SERVICES_PER_CUSTOMER,
      seedSeconds: round(seedSeconds),
      figures,
    };
  } finally {
    await s.stop();
    await database?.drop();
  }
}

/** The figures as a table, and the goals missed. */
export function report(result: DashboardResult): { table: string; misses: string[] } {
  const lines = [
    `| ${result.database}, ${result.streams.toLocaleString('en')} streams | p50 ms | p95 ms |`,
    '|---|---|---|',
    ...Object.entries(result.figures).map(([name, t]) => `| ${name} | ${t.p50} | ${t.p95} |`),
  ];
  const misses = Object.entries(result.figures)
    .filter(
      ([name, t]) =>
        name.includes('24 h') && name.startsWith('summary') && t.p95 > dashboardGoals.summaryDayP95Ms,
    )
    .map(
      ([name, t]) =>
        `qoe-dashboard (${result.database}, ${result.streams} streams): ${name} p95 ${t.p95} ms (goal < ${dashboardGoals.summaryDayP95Ms} ms)`,
    );
  return { table: lines.join('\n'), misses };
}

/**
 * The QoE dashboard group of `npm run bench`: 200,000 streams (`full`: 1,000,000; `ci`: 50,000 with fewer samples)
 * on PGlite, and on PostgreSQL when `databaseUrl` is given. Prints a table per database, writes
 * bench/results/qoe-dashboard-<time>.json with CPU count, load and Node version, answers the goals missed.
 */
export async function runQoeDashboard(
  options: { full?: boolean; ci?: boolean; databaseUrl?: string; pglite?: boolean } = {},
) {
  const streams = options.ci ? 50_000 : options.full ? 1_000_000 : 200_000;
  const runs = options.ci ? 10 : 50;
  const load0 = os.loadavg();
  const results: DashboardResult[] = [];
  const misses: string[] = [];
  const databases = [
    ...(options.pglite === false ? [] : [undefined]),
    ...(options.databaseUrl ? [options.databaseUrl] : []),
  ];
  for (const databaseUrl of databases) {
    const t0 = performance.now();
    const result = await dashboardAt(streams, { runs, ...(databaseUrl ? { databaseUrl } : {}) });
    results.push(result);
    const { table, misses: missed } = report(result);
    misses.push(...missed);
    console.log(
      `\n## QoE dashboard, ${result.database}, ${result.streams} streams, ${result.calls} calls, ${result.directRoutingRows} Direct Routing rows (seeded in ${result.seedSeconds} s, ${((performance.now() - t0) / 1000).toFixed(0)} s in all, ${runs} requests each)\n${table}`,
    );
  }
  const file = writeResult('qoe-dashboard', {
    full: Boolean(options.full),
    ci: Boolean(options.ci),
    ...machine(load0),
    goals: dashboardGoals,
    results,
    misses,
  });
  console.log(`written ${file}`);
  return misses;
}

// Run on its own: `node bench/src/qoe/dashboard.ts [--ci|--full] [--postgres-only]` (with DATABASE_URL for
// PostgreSQL; `npm run bench -- --only=qoe-dashboard` runs it too). PGlite fills a million streams slowly (one
// thread): `--postgres-only` skips it.
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const misses = await runQoeDashboard({
    full: args.includes('--full'),
    ci: args.includes('--ci'),
    pglite: !args.includes('--postgres-only'),
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  });
  process.exit(misses.length ? 1 : 0);
}
