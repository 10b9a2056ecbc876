import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  GRAPH_PUBLISHED_LIMITS,
  scaledRateLimits,
  TEAMS_ASSUMED_LIMITS,
  type RateLimit,
} from '@trunkline/emulator-m365';
import { honouredRetryAfter, throttlingBound, unitsPerOnboarding, type LoggedCall } from './bound.ts';
import {
  cpuSecondsOf,
  freePort,
  memoryOf,
  sampleMemory,
  startEmulators,
  startServer,
  stopChild,
  type Server,
} from './processes.ts';
import { pool } from '../scale/world.ts';
import { configureRouting, connectTenants, countIn } from './connect.ts';
import { resetStatements, startPostgres, topStatements, type Postgres } from './postgres.ts';

/**
 * Issue #14's bench item 3 (docs/BENCHMARKS.md "500 tenants"): `n` tenants onboarding at once while the M365
 * emulator throttles by rate, per app per tenant and per app, with Graph's published limits divided by `divisor`
 * (at the published figures 500 onboardings never reach a limit). The server runs as `npm start` runs it, in its
 * own process (PGlite), the emulators in another. Figures: all complete; the wall time from the first
 * `POST /routing` to the last run's end vs the lower bound the limits allow (`bound.ts`, from the units one
 * onboarding charged); 429s received vs honoured (the emulator's request log); the peak RSS of every process
 * (VmHWM) and the server's RSS when idle and at the end.
 */
export const TENANT_SIZES = {
  /** `--ci`: 10 tenants (server start-up and connecting them are most of its time). */
  ci: { tenants: 10, divisor: 400 },
  /** The default: 50 tenants. */
  reduced: { tenants: 50, divisor: 400 },
  /** `--full`: 500 tenants. */
  full: { tenants: 500, divisor: 50 },
} as const;
export const GOALS = { boundRatio: 1.2, rssMb: 400 };

const LIMITS: RateLimit[] = [...GRAPH_PUBLISHED_LIMITS, ...TEAMS_ASSUMED_LIMITS];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t00 = performance.now();
const progress = (what: string) =>
  process.stderr.write(`[tenants ${((performance.now() - t00) / 1000).toFixed(0)} s] ${what}\n`);

type Run = {
  status: string;
  createdAt: string;
  finishedAt: string | null;
  steps: { name: string; attempts: number }[];
};

export async function tenantsAtOnce(options: {
  tenants: number;
  divisor: number;
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** PostgreSQL (a throwaway cluster) with one API process and this many worker processes; absent: PGlite. */
  workers?: number;
}) {
  const { tenants: n, divisor } = options;
  const workers = options.workers ?? 0;
  const limits = scaledRateLimits(LIMITS, divisor);
  const { child: emuChild, world } = await startEmulators(n + 1);
  const control = async <T>(method: string, url: string, body?: unknown): Promise<T | null> => {
    const res = await fetch(world.urls.control + url, {
      method,
      ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 400) throw new Error(`control ${method} ${url}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : ((await res.json()) as T);
  };
  let server: Server | undefined;
  let postgres: Postgres | undefined;
  try {
    if (workers) postgres = await startPostgres(await freePort());
    server = await startServer(world, {
      ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(postgres ? { deployment: { kind: 'postgres', url: postgres.url, workers } } : {}),
    });
    const s = server;
    // The processes measured: the server (`all` with PGlite, else `api`), its workers, the emulators, PostgreSQL's
    // postmaster (its memory; its CPU with its backends') and the bench itself.
    const processes: Record<string, { pid: number; children?: boolean }> = {
      [postgres ? 'api' : 'server']: { pid: s.child.pid! },
      ...Object.fromEntries(s.workers.map((w, i) => [`worker-${i + 1}`, { pid: w.pid! }])),
      ...(postgres ? { postgres: { pid: postgres.pid, children: true } } : {}),
      emulators: { pid: emuChild.pid! },
      bench: { pid: process.pid },
    };
    const memory = sampleMemory(Object.fromEntries(Object.entries(processes).map(([k, v]) => [k, v.pid])));
    const cpuNow = () =>
      Object.fromEntries(
        Object.entries(processes).map(([k, v]) => [k, cpuSecondsOf(v.pid, v.children) ?? NaN]),
      );
    await configureRouting(s, world);
    await sleep(5_000); // let start-up work (compilation, first queries) settle before the idle figure
    const idleRssMb = memoryOf(s.child.pid!)!.rssMb;
    progress(`server ready, idle RSS ${idleRssMb} MB; connecting ${n + 1} tenants`);

    // Connect every tenant (credentials path, 8 at a time) and wait for the Teams-role checks: not measured.
    const names = Array.from({ length: n + 1 }, (_, i) => `t${i + 1}`);
    const t0Connect = performance.now();
    const { ids, rechecks: recheck } = await connectTenants(s, names);
    const connectS = (performance.now() - t0Connect) / 1000;
    const connectedRssMb = memoryOf(s.child.pid!)!.rssMb;
    progress(`connected in ${connectS.toFixed(0)} s; the probe onboarding`);

    // One onboarding alone under the published limits (far from reached): what one onboarding charges to each.
    const probe = ids[n]!;
    await control('PUT', '/rate-limits', { limits: LIMITS });
    await s.call('POST', `/api/v1/services/${probe}/routing`, { configureDns: true });
    for (let until = Date.now() + 120_000; ; await sleep(200)) {
      const r = await s.call<Run>('GET', `/api/v1/services/${probe}/routing`);
      if (r.status === 'failed') throw new Error(`the probe onboarding failed: ${JSON.stringify(r.steps)}`);
      if (r.status === 'succeeded') break;
      if (Date.now() > until) throw new Error('the probe onboarding did not finish');
    }
    const probed = await control<{ charged: Record<string, number> }>('GET', '/rate-limits');
    const units = unitsPerOnboarding(probed!.charged);
    const bound = throttlingBound(limits, units, n);
    progress(`bound ${bound.seconds.toFixed(1)} s (${bound.binding}); starting ${n} onboardings`);

    // The run: every bucket full again, the log cleared, then n onboardings started at once.
    await control('PUT', '/rate-limits', { limits });
    await control('DELETE', '/requests');
    if (postgres) await resetStatements(postgres.url);
    const load = os.loadavg();
    const cpu0 = process.cpuUsage();
    const processCpu0 = cpuNow();
    const t0 = Date.now();
    await pool(ids.slice(0, n), 32, (id) =>
      s.call('POST', `/api/v1/services/${id}/routing`, { configureDns: true }),
    );
    const startedS = (Date.now() - t0) / 1000;
    // Polled every 3 s: the wall time comes from the runs' own end times, and each poll costs the server two reads
    // of every service's lifecycle (the state filter; 20 ms of database time at 500 services, polled once a
    // second it was a third of PostgreSQL's time in the run).
    for (let until = Date.now() + 3_600_000; ; await sleep(3_000)) {
      const [active, failed] = [await countIn(s, 'active'), await countIn(s, 'routing-failed')];
      if (active + failed >= n + 1) break; // the probe is active too
      progress(`${active - 1} active, ${failed} failed`);
      if (Date.now() > until) throw new Error('the onboardings did not finish within an hour');
    }
    const endRssMb = memoryOf(s.child.pid!)!.rssMb;
    const processCpu1 = cpuNow();
    const statements = postgres ? await topStatements(postgres.url) : null;
    const runs = await pool(ids.slice(0, n), 8, (id) => s.call<Run>('GET', `/api/v1/services/${id}/routing`));
    const succeeded = runs.filter((r) => r.status === 'succeeded');
    const lastEnd = Math.max(...succeeded.map((r) => Date.parse(r.finishedAt!)));
    const wallS = (lastEnd - t0) / 1000;
    const log = (await control<LoggedCall[]>('GET', '/requests'))!;
    const limitsState = (await control<{ throttled: number }>('GET', '/rate-limits'))!;
    const benchCpu = process.cpuUsage(cpu0);
    const mem = memory.stop();
    const per = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return (p: number) =>
        sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
    };
    const runSeconds = per(
      succeeded.map((r) => (Date.parse(r.finishedAt!) - Date.parse(r.createdAt)) / 1000),
    );
    const calls = log.filter((c) => c.surface === 'graph' || c.surface === 'teams');
    const throttledByScope: Record<string, number> = {};
    for (const c of calls)
      if (c.status === 429) {
        const scope = c.throttleScope ? c.throttleScope.split('/').slice(0, 2).join('/') : 'other';
        throttledByScope[`${c.surface}:${scope}`] = (throttledByScope[`${c.surface}:${scope}`] ?? 0) + 1;
      }
    const cpuSeconds = Object.fromEntries(
      Object.keys(processes).map((k) => [k, round(processCpu1[k]! - processCpu0[k]!, 1)]),
    );
    return {
      tenants: n,
      divisor,
      deployment: postgres
        ? `PostgreSQL, 1 API process and ${workers} worker process${workers > 1 ? 'es' : ''}`
        : 'PGlite, one process (npm start)',
      limits,
      unitsPerOnboarding: units,
      completed: succeeded.length,
      failed: runs.length - succeeded.length,
      connectSeconds: round(connectS, 1),
      roleRechecks: { count: recheck.length, first: recheck[0] ?? null },
      startedAllInSeconds: round(startedS, 1),
      wallSeconds: round(wallS, 1),
      boundSeconds: round(bound.seconds, 1),
      boundBy: bound.binding,
      boundPerLimit: bound.perLimit.map((l) => ({ ...l, seconds: round(l.seconds, 1) })),
      ratio: round(wallS / bound.seconds, 2),
      runSeconds: {
        p50: round(runSeconds(50), 1),
        p95: round(runSeconds(95), 1),
        max: round(runSeconds(100), 1),
      },
      stepAttempts: succeeded.reduce((a, r) => a + r.steps.reduce((b, st) => b + st.attempts, 0), 0),
      microsoftCalls: calls.length,
      microsoftCallsPerOnboarding: round(calls.filter((c) => c.status !== 429).length / n, 1),
      throttled: limitsState.throttled,
      throttledByScope,
      retryAfter: honouredRetryAfter(log),
      memoryMb: {
        serverIdle: idleRssMb,
        serverConnected: connectedRssMb,
        serverAtEnd: endRssMb,
        ...mem,
      },
      loadAtStart: load,
      loadAtEnd: os.loadavg(),
      benchCpuSeconds: round((benchCpu.user + benchCpu.system) / 1e6, 1),
      /**
       * CPU seconds each process used from the first `POST /routing` until every run had ended (the wall above
       * plus the last poll), and per onboarding for the server's processes (PostgreSQL's backends included).
       */
      cpuSeconds,
      serverCpuSecondsPerOnboarding: round(
        Object.entries(cpuSeconds)
          .filter(([k]) => k !== 'emulators' && k !== 'bench')
          .reduce((a, [, v]) => a + v, 0) / n,
        3,
      ),
      ...(statements
        ? {
            postgresStatements: {
              calls: statements.calls,
              perOnboarding: round(statements.calls / n, 1),
              totalMs: statements.totalMs,
              top: statements.top,
            },
          }
        : {}),
    };
  } finally {
    for (const w of server?.workers ?? []) await stopChild(w);
    if (server) await stopChild(server.child);
    await stopChild(emuChild);
    postgres?.stop();
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * `--tenants-workers=N` on the bench's command line: the scale deployment (PostgreSQL, one API process, N worker
 * processes) instead of PGlite in one process. Absent or 0: PGlite.
 */
export function workersArg(argv: string[]): number {
  const arg = argv.find((a) => a.startsWith('--tenants-workers='));
  if (!arg) return 0;
  const n = Number(arg.slice('--tenants-workers='.length));
  if (!Number.isInteger(n) || n < 0 || n > 16)
    throw new Error(`--tenants-workers: a whole number of worker processes from 0 to 16, not "${arg}"`);
  return n;
}

/**
 * `npm run bench -- --only=tenants-500` (and every run of all groups): 50 tenants, 10 with `--ci`, 500 with `--full`;
 * with `--tenants-workers=N` on PostgreSQL with N worker processes. Prints the figures, writes
 * bench/results/tenants-<time>.json and answers the goals missed.
 */
export async function runTenants({ full, ci }: { full: boolean; ci: boolean }): Promise<string[]> {
  const size = full ? TENANT_SIZES.full : ci ? TENANT_SIZES.ci : TENANT_SIZES.reduced;
  const workers = workersArg(process.argv);
  const t0 = performance.now();
  const result = await tenantsAtOnce({ ...size, workers });
  console.log(
    `\n## ${size.tenants} tenants at once, throttled, ${result.deployment} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n${JSON.stringify(
      { ...result, limits: undefined },
      null,
      2,
    )}`,
  );
  const misses: string[] = [];
  if (result.completed !== size.tenants)
    misses.push(`tenants: ${result.completed}/${size.tenants} onboardings completed`);
  if (result.ratio > GOALS.boundRatio)
    misses.push(
      `tenants: wall ${result.wallSeconds} s is ${result.ratio} × the throttling bound ${result.boundSeconds} s (goal ${GOALS.boundRatio})`,
    );
  for (const [name, mb] of Object.entries(result.memoryMb.peakRssMb))
    if (name !== 'bench' && mb >= GOALS.rssMb)
      misses.push(`tenants: ${name} process peak RSS ${mb} MB (goal < ${GOALS.rssMb})`);
  const dir = fileURLToPath(new URL('../../results', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/tenants-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ full, ci, cpus: os.cpus().length, node: process.version, result, misses }, null, 2)}\n`,
  );
  console.log(`written ${file}`);
  return misses;
}
