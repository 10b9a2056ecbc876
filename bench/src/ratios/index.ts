import { startStack } from '../scale/stack.ts';
import { sampleMs } from '../stats.ts';

/**
 * The first budgets of `npm run bench`, as ratios measured in one run so they hold on any machine:
 *  - a page of customers with many customers vs with 20 (pagination must keep list pages flat);
 *  - a filtered services search with many services vs with 10;
 *  - an authenticated read vs the unauthenticated health check (the per-request cost of sessions).
 * Sizes: 2,000 customers and 1,000 services, 200 and 100 with `ci` (made through the API, which is what takes
 * the time). Answers the budgets exceeded.
 */
export async function runRatios(options: { ci?: boolean } = {}): Promise<string[]> {
  const small = await scenario(20, 10);
  const large = options.ci ? await scenario(200, 100) : await scenario(2000, 1000);
  const budgets = [
    {
      name: `customers page, ${large.customers} vs 20 customers`,
      ratio: large.customersPage / small.customersPage,
      max: 3,
    },
    {
      name: `services search, ${large.services} vs 10 services`,
      ratio: large.servicesSearch / small.servicesSearch,
      max: 4,
    },
    { name: 'authenticated read vs health check', ratio: small.me / small.health, max: 8 },
  ];
  console.log('\n## Ratios\nmedian ms', { small, large });
  const misses: string[] = [];
  for (const b of budgets) {
    const ok = b.ratio <= b.max;
    if (!ok) misses.push(`ratios: ${b.name} ${b.ratio.toFixed(2)}× (budget ${b.max}×)`);
    console.log(`${ok ? 'ok  ' : 'OVER'} ${b.name}: ${b.ratio.toFixed(2)}× (budget ${b.max}×)`);
  }
  return misses;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>, runs = 40) {
  return median(await sampleMs(fn, { runs, warmup: 5 }));
}

async function scenario(customers: number, services: number) {
  const s = await startStack({}, 'api');
  try {
    const ids: string[] = [];
    for (let i = 0; i < customers; i++)
      ids.push((await s.call('POST', '/api/v1/customers', { name: `Customer ${i}` })).id);
    for (let i = 0; i < services; i++)
      await s.call('POST', '/api/v1/services', {
        customerId: ids[i % ids.length],
        type: 'direct-routing',
        fullName: `Service ${i}`,
        shortName: `svc-${i}`,
        licenseType: 'hosted-essentials-plus',
        licensedUsers: 1,
        adminAuth: { method: 'credentials', username: 'admin@example.com', password: 'x' },
      });
    return {
      customers,
      services,
      customersPage: await time(() => s.call('GET', '/api/v1/customers?page=1&pageSize=50')),
      servicesSearch: await time(() => s.call('GET', '/api/v1/services?q=svc-1&sort=shortName&pageSize=50')),
      me: await time(() => s.call('GET', '/api/v1/me')),
      health: await time(() => fetch(`${s.url}/healthz`).then((r) => r.json())),
    };
  } finally {
    await s.stop();
  }
}
