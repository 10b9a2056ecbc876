import { sql } from 'drizzle-orm';
import { percentile, sampleMs } from '../stats.ts';
import { seedTemplateService, startStack } from './stack.ts';

/**
 * The services list at `n` services (bulk-inserted, analysed): p50/p95 of the first page, the last page by page
 * number (OFFSET), the last page by keyset (the first page in the opposite order: what a cursor walk ends with),
 * a page deep in the list by cursor, and a search; plus whether the total was estimated.
 */
export async function listsAt(n: number, runs = 30) {
  const s = await startStack({}, 'api');
  try {
    const { service: seed } = await seedTemplateService(s, {
      customer: 'Lists customer',
      fullName: 'Seed service',
      shortName: 'seed-service',
    });
    const db = s.handle.db;
    for (let from = 1; from <= n - 1; from += 20_000) {
      const to = Math.min(n - 1, from + 19_999);
      await db.execute(sql`
        insert into services (customer_id, type, full_name, short_name, subdomain, zone, trunk_fqdn, license_type,
                              licensed_users, status, admin_auth_method, created_at)
        select customer_id, type, 'Service ' || g, 'svc-' || g, 'svc-' || g, zone, 'svc-' || g || '.' || zone,
               license_type, 1, status, admin_auth_method, now() - make_interval(secs => g)
        from services, generate_series(${from}::int, ${to}::int) as g where id = ${seed.id}`);
    }
    await db.execute(sql`analyze`);
    // PGlite runs in this thread: the inserts held the event loop, so the server's keep-alive timers fire only
    // now; let them close idle sockets before a request reuses one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pageSize = 50;
    const lastPage = Math.ceil(n / pageSize);
    const middle = await s.call<{ nextCursor: string | null }>(
      'GET',
      `/api/v1/services?pageSize=${pageSize}`,
    );
    const timed = async (url: string) => {
      let total = 0;
      let estimate = false;
      const samples = await sampleMs(
        async () => {
          const page = await s.call<{ total: number; totalIsEstimate: boolean }>('GET', url);
          total = page.total;
          estimate = page.totalIsEstimate;
        },
        { runs, warmup: 3 },
      );
      return { p50: percentile(samples, 50), p95: percentile(samples, 95), total, estimate };
    };
    return {
      services: n,
      firstPage: await timed(`/api/v1/services?pageSize=${pageSize}`),
      lastPageByOffset: await timed(`/api/v1/services?pageSize=${pageSize}&page=${lastPage}`),
      lastPageByKeyset: await timed(`/api/v1/services?pageSize=${pageSize}&order=asc`),
      secondPageByCursor: await timed(`/api/v1/services?pageSize=${pageSize}&cursor=${middle.nextCursor}`),
      search: await timed(`/api/v1/services?pageSize=${pageSize}&q=svc-${Math.floor(n / 2)}&sort=shortName`),
    };
  } finally {
    await s.stop();
  }
}
