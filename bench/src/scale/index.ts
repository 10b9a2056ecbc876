import os from 'node:os';
import { machine, writeResult } from '../results.ts';
import { listsAt } from './lists.ts';
import { tokenRefresh } from './refresh.ts';
import { throttledOnboardings } from './throttled.ts';
import { onboardingViews } from './views.ts';
import { webColdLoad } from './web.ts';

/**
 * Sizes of issue #16's scale scenarios: reduced by default (minutes on 2 cores), full with `--full`, and the
 * smallest with `ci` (`npm run bench -- --ci`: every scenario runs, in two to three minutes).
 */
export const sizes = (full: boolean, ci = false) =>
  full
    ? { onboardings: 200, connections: 10_000, viewServices: 500, views: 5, listServices: 100_000 }
    : ci
      ? { onboardings: 4, connections: 20, viewServices: 50, views: 2, listServices: 1_000 }
      : { onboardings: 20, connections: 300, viewServices: 500, views: 5, listServices: 10_000 };

/** The scenarios' names for `--only=<name>[,<name>]`. */
export const scenarios = ['web', 'lists', 'views', 'refresh', 'throttled'] as const;
export type Scenario = (typeof scenarios)[number];

/**
 * Runs the scale scenarios (all, or those in `only`) one after the other, prints each result and writes them all
 * to bench/results/scale-<timestamp>.json with the machine's CPU count, load and Node version.
 * Answers the goals that were missed (empty: all met).
 */
export async function runScale(
  full: boolean,
  only: readonly Scenario[] = scenarios,
  ci = false,
): Promise<string[]> {
  const size = sizes(full, ci);
  const load0 = os.loadavg();
  const results: Record<string, unknown> = {};
  const step = async <T>(name: string, run: () => Promise<T>) => {
    const t0 = performance.now();
    const value = await run();
    results[name] = value;
    console.log(
      `\n## ${name} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n${JSON.stringify(value, null, 2)}`,
    );
    return value;
  };
  const misses: string[] = [];
  if (only.includes('web')) {
    const web = await step('web cold load', () => webColdLoad());
    if (web.cold.meCalls !== 1) misses.push(`web: /api/v1/me asked ${web.cold.meCalls} times on a cold load`);
  }
  if (only.includes('lists')) {
    const lists = await step(`lists at ${size.listServices} services`, () => listsAt(size.listServices));
    if (lists.lastPageByKeyset.p95 > 3 * lists.firstPage.p95)
      misses.push('lists: the last page by keyset is more than 3 × the first page');
  }
  if (only.includes('views')) {
    const views = await step(`${size.views} Onboarding views of ${size.viewServices} services`, () =>
      onboardingViews(size.viewServices, size.views),
    );
    if (views.eventsReceived < size.views * 20) misses.push('views: not every change reached every view');
  }
  if (only.includes('refresh')) {
    const refresh = await step(`token refresh of ${size.connections} connections`, () =>
      tokenRefresh(size.connections),
    );
    if (refresh.failed > 0 || refresh.refreshed !== size.connections)
      misses.push('refresh: not every token refreshed');
    if (size.connections / refresh.perSecond > 3300)
      misses.push(`refresh: ${size.connections} connections would take longer than the 55-minute spread`);
  }
  if (only.includes('throttled')) {
    const throttled = await step(`${size.onboardings} onboardings, one tenant throttled hard`, () =>
      // In CI the throttled tenant's Retry-After is 10 s instead of 30 (the run waits it out twice).
      throttledOnboardings(size.onboardings, ci ? 10 : 30, full ? 1 : 2),
    );
    if (throttled.p95Ratio > 1.2)
      misses.push(
        `throttling: calm tenants' p95 ${throttled.p95Ratio.toFixed(2)} × the unthrottled run (goal 1.2)`,
      );
  }

  const file = writeResult('scale', {
    full,
    only,
    sizes: size,
    ...machine(load0),
    results,
    misses,
  });
  console.log(`\nwritten ${file}`);
  return misses;
}
