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
 * takes longer than its `ciSeconds` (default 120; each group runs in its own process then) is killed and counted
 * as crashed. Either way every
 * selected group runs, and bench/results/run-<time>.json records each group's time, misses and error with the
 * CPU count, Node version and load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { runApi } from './api/index.ts';
import { runMemory } from './memory/index.ts';
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
 * time its `--ci` run may take (default CI_SECONDS). With `--ci` each group runs in its own process (this script,
 * `--only=<group>`), killed with everything it started when past its time and counted as crashed: one slow group
 * can neither use up the CI stage's time nor slow the groups after it.
 */
export type BenchGroup = { name: string; ciSeconds?: number; run(options: GroupOptions): Promise<string[]> };
const CI_SECONDS = 120;

type Outcome = { group: string; seconds: number; misses: string[]; error?: string };
/** Set in a group's own process under `--ci`: where it writes its outcome for the parent. */
const outcomeFile = process.env.BENCH_GROUP_OUTCOME;

/** Runs `group` in a child process (its own process group), killed after its CI time. */
async function inChild(group: BenchGroup, only: readonly string[] | null): Promise<Omit<Outcome, 'seconds'>> {
  const file = path.join(os.tmpdir(), `trunkline-bench-${process.pid}-${group.name}.json`);
  rmSync(file, { force: true });
  // Scale scenario names go to the scale group's child only: named to another group's child, they would select
  // the scale group there too (`--only=api,lists` ran lists inside the api child as well).
  const scenarioNames =
    group.name === 'scale' ? (only ?? []).filter((n) => (scenarios as readonly string[]).includes(n)) : [];
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--ci', `--only=${[group.name, ...scenarioNames].join(',')}`],
    { stdio: 'inherit', detached: true, env: { ...process.env, BENCH_GROUP_OUTCOME: file } },
  );
  running = child;
  const seconds = group.ciSeconds ?? CI_SECONDS;
  const ended = await new Promise<{ code: number | null; timedOut: boolean }>((resolve) => {
    const timer = setTimeout(() => {
      killGroup(child);
      resolve({ code: null, timedOut: true });
    }, seconds * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut: false });
    });
  });
  running = null;
  if (ended.timedOut) {
    killGroup(child); // whatever it started and left behind
    return { group: group.name, misses: [], error: `exceeded its --ci time of ${seconds} s and was killed` };
  }
  if (!existsSync(file))
    return { group: group.name, misses: [], error: `its process exited with ${ended.code} before reporting` };
  const reported = JSON.parse(readFileSync(file, 'utf8')) as Outcome;
  rmSync(file, { force: true });
  return { group: group.name, misses: reported.misses, ...(reported.error ? { error: reported.error } : {}) };
}

let running: ChildProcess | null = null;
const killGroup = (child: ChildProcess) => {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
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
  // Issue #14's memory goal: the server process as `npm start` runs it, idle, under a batch of onboardings and at
  // its peak (bench/src/memory/, docs/BENCHMARKS.md "Memory"): 100 onboardings, 200 with --full, 10 with --ci.
  { name: 'memory', ciSeconds: 150, run: ({ full, ci }) => runMemory({ full, ci }) },
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
// The CI stage's limit stops this process: take the running group's process group with it.
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    if (running) killGroup(running);
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  });
const outcomes: Outcome[] = [];
for (const group of selected) {
  console.log(`\n# ${group.name}${options.ci ? ' (--ci)' : options.full ? ' (--full)' : ''}`);
  const t0 = performance.now();
  const seconds = () => Math.round((performance.now() - t0) / 1000);
  if (options.ci && !outcomeFile) {
    const outcome = await inChild(group, onlyNames);
    if (outcome.error) console.error(`\n# ${group.name} CRASHED: ${outcome.error}`);
    outcomes.push({ ...outcome, seconds: seconds() });
    continue;
  }
  try {
    const misses = await group.run(options);
    outcomes.push({ group: group.name, seconds: seconds(), misses });
  } catch (e) {
    console.error(`\n# ${group.name} CRASHED`, e);
    outcomes.push({
      group: group.name,
      seconds: seconds(),
      misses: [],
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    });
  }
}

if (outcomeFile) {
  // A group's own process under --ci: the parent reports and records.
  writeFileSync(outcomeFile, JSON.stringify(outcomes[0] ?? { misses: [], error: 'no group selected' }));
  process.exit(0);
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
