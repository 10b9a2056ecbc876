/**
 * `npm run bench`: the performance figures of docs/BENCHMARKS.md, group by group, each in its own module. Every
 * group starts the real server (and the emulators it needs) on loopback, prints its table, writes its own result
 * file under bench/results/ and answers the goals it missed.
 *
 * Groups (in the order they run; `groups` below is the list, and a new group is one entry there):
 *   ratios         list-latency budgets as ratios in one run (bench/src/ratios/)
 *   orchestration  one onboarding, critical-path efficiency, web bundle and first render (bench/src/orchestration/)
 *   scale          issue #16's scenarios: web, lists, views, refresh, throttled (bench/src/scale/)
 *   api            p50/p95/p99 of the API's reads at 10,000 services, PGlite and PostgreSQL (bench/src/api/)
 *   …              the groups registered after these
 *
 * Selection: `--only=<name>[,<name>…]` (a group's name, or a scale scenario's: `--only=lists,api`),
 * `--<group>-only` (`--scale-only`, `--orchestration-only`, `--api-only`, …); without either, every group.
 * Sizes: reduced by default, `--full` full size, `--ci` the smallest run of every group (CI's bench stage; about
 * six minutes on 2 cores). `DATABASE_URL` (a PostgreSQL server the bench may create databases on) adds
 * PostgreSQL to the groups that measure it (api).
 *
 * Exit status: 2 when a group crashed (threw), else 1 when a goal was missed, else 0. With `--ci` a missed goal is
 * reported, not a failure (CI machines are shared and their figures vary): only a crash fails, and a group that
 * takes longer than its `ciSeconds` (default 120) is abandoned and counted as crashed. Either way every
 * selected group runs, and bench/results/run-<time>.json records each group's time, misses and error with the
 * CPU count, Node version and load.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { runApi } from './api/index.ts';
import { runOrchestration } from './orchestration/index.ts';
import { runQoeDashboard } from './qoe/dashboard.ts';
import { runQoeWebhook } from './qoe/webhook.ts';
import { runRatios } from './ratios/index.ts';
import { runScale, scenarios, type Scenario } from './scale/index.ts';
import { runTenants } from './tenants/index.ts';
import { runWaiting } from './waiting/index.ts';

/** How a group is asked to run. `only`: the names given to `--only` (a group may read its own, as scale does). */
export type GroupOptions = {
  full: boolean;
  ci: boolean;
  only: readonly string[] | null;
  databaseUrl: string | undefined;
};
/**
 * A group of figures: run() prints them, writes its result file and answers the goals missed. `ciSeconds`: the
 * time its `--ci` run may take (default CI_SECONDS); past it the group is abandoned and counted as crashed, so one
 * slow group cannot use up the CI stage's time.
 */
export type BenchGroup = { name: string; ciSeconds?: number; run(options: GroupOptions): Promise<string[]> };
const CI_SECONDS = 120;

/** `work`, or a rejection once `seconds` have passed (the work is left running: the process exits at the end). */
const within = <T>(work: Promise<T>, seconds: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`exceeded its --ci time of ${seconds} s and was abandoned`)),
      seconds * 1000,
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
};

const scaleOnly = (only: readonly string[] | null) => {
  const picked = (only ?? []).filter((n): n is Scenario => (scenarios as readonly string[]).includes(n));
  return picked.length ? picked : [...scenarios];
};

export const groups: BenchGroup[] = [
  { name: 'ratios', run: ({ ci }) => runRatios({ ci }) },
  { name: 'orchestration', run: ({ ci }) => runOrchestration({ runs: ci ? 1 : 3 }) },
  {
    name: 'scale',
    ciSeconds: 240, // five scenarios, two of them in Chromium
    run: ({ full, ci, only }) => runScale(full, scaleOnly(only), ci),
  },
  {
    name: 'api',
    run: ({ full, ci, databaseUrl }) => runApi({ full, ci, ...(databaseUrl ? { databaseUrl } : {}) }),
  },
  // Issue #14's item 4: Teams activation waits (bench/src/waiting/, docs/BENCHMARKS.md "Waiting cheaply").
  { name: 'waiting', ciSeconds: 180, run: ({ full, ci }) => runWaiting({ full, ci }) },
  // Issue #14's item 3: tenants onboarding at once under rate limits, peak RSS per process (bench/src/tenants/,
  // docs/BENCHMARKS.md "500 tenants"): 500 with --full, 10 with --ci, 50 otherwise.
  { name: 'tenants-500', ciSeconds: 180, run: ({ full, ci }) => runTenants({ full, ci }) },
  // Issue #15's QoE webhook burst (bench/src/qoe/webhook.ts, docs/BENCHMARKS.md "QoE webhook").
  { name: 'qoe-webhook', run: () => runQoeWebhook() },
  // Issue #15's QoE dashboard queries with 1,000,000 streams (--full; 200,000 by default, 50,000 with --ci)
  // (bench/src/qoe/dashboard.ts, docs/BENCHMARKS.md "QoE").
  {
    name: 'qoe-dashboard',
    ciSeconds: 180, // fills 50,000 streams, on PGlite and on PostgreSQL when DATABASE_URL is set
    run: ({ full, ci, databaseUrl }) =>
      runQoeDashboard({ full, ci, ...(databaseUrl ? { databaseUrl } : {}) }),
  },
];

const args = process.argv.slice(2);
const onlyArg = args.find((a) => a.startsWith('--only='));
const onlyNames = onlyArg ? onlyArg.slice('--only='.length).split(',').filter(Boolean) : null;
const groupNames = groups.map((g) => g.name);
const unknown = (onlyNames ?? []).filter(
  (n) => !groupNames.includes(n) && !(scenarios as readonly string[]).includes(n),
);
if (unknown.length)
  throw new Error(
    `--only: unknown ${unknown.join(', ')} (groups: ${groupNames.join(', ')}; scale scenarios: ${scenarios.join(', ')})`,
  );
const flagged = groupNames.filter((n) => args.includes(`--${n}-only`));
const selected = groups.filter((g) =>
  flagged.length
    ? flagged.includes(g.name)
    : !onlyNames ||
      onlyNames.includes(g.name) ||
      (g.name === 'scale' && onlyNames.some((n) => (scenarios as readonly string[]).includes(n))),
);
const options: GroupOptions = {
  full: args.includes('--full'),
  ci: args.includes('--ci'),
  only: onlyNames,
  databaseUrl: process.env.DATABASE_URL || undefined,
};

const load0 = os.loadavg();
const outcomes: { group: string; seconds: number; misses: string[]; error?: string }[] = [];
for (const group of selected) {
  console.log(`\n# ${group.name}${options.ci ? ' (--ci)' : options.full ? ' (--full)' : ''}`);
  const t0 = performance.now();
  try {
    const misses = await (options.ci
      ? within(group.run(options), group.ciSeconds ?? CI_SECONDS)
      : group.run(options));
    outcomes.push({ group: group.name, seconds: Math.round((performance.now() - t0) / 1000), misses });
  } catch (e) {
    console.error(`\n# ${group.name} CRASHED`, e);
    outcomes.push({
      group: group.name,
      seconds: Math.round((performance.now() - t0) / 1000),
      misses: [],
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    });
  }
}

console.log('\n# Summary');
for (const o of outcomes)
  console.log(`${o.error ? 'CRASH' : o.misses.length ? 'MISS ' : 'ok   '} ${o.group} (${o.seconds} s)`);
for (const o of outcomes) for (const m of o.misses) console.log(`MISS ${m}`);
const dir = fileURLToPath(new URL('../results', import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}/run-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  file,
  `${JSON.stringify(
    {
      args,
      ...options,
      databaseUrl: options.databaseUrl ? 'set' : null,
      cpus: os.cpus().length,
      node: process.version,
      loadAtStart: load0,
      load: os.loadavg(),
      groups: outcomes,
    },
    null,
    2,
  )}\n`,
);
console.log(`written ${file}`);
const crashed = outcomes.some((o) => o.error);
const missed = outcomes.some((o) => o.misses.length);
process.exit(crashed ? 2 : missed && !options.ci ? 1 : 0);
