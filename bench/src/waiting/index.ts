import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { startStack, type Stack } from '../scale/stack.ts';
import { pool } from '../scale/world.ts';
import { seedDormantClones, verifyClones } from './clones.ts';

/**
 * Issue #14's bench item 4, "waiting cheaply" (docs/BENCHMARKS.md "Waiting cheaply"): `n` services waiting for
 * Microsoft to activate their trunk in Teams (the emulator refuses the gateway for a day), then, with nothing else
 * happening, what the waiting costs:
 *  - worker slots busy (pg-boss jobs in `active`, sampled every second) and the longest any of them had been
 *    active: the wait must be a delayed job, not a held slot (goal: no job active for more than a recheck's
 *    duration; what is busy is the rechecks that fall due in the window);
 *  - the server's CPU over the idle window (`idleSeconds`), beside the same server's CPU idle with no service,
 *    and the Teams calls and routing jobs the rechecks made in it;
 *  - database rows and pg-boss jobs per waiting service;
 *  - when the next recheck of each waiting service is due.
 * From them, the CPU one recheck costs and what the rechecks of 10,000 waiting services would cost once their
 * interval reached its hourly cap. Sizes: 500 by default, 50 with `--ci` (a 10 s window), 10,000 with `--full`.
 * The services are created honestly, through the API: `n / 10` tenants (10 services each, one customer per
 * tenant), each service connected with the credentials path, its Teams-role check run, its routing run started
 * with POST /routing and run by the workers (DNS, domain, activation user) until the voice-routing step waits;
 * that setup is timed apart. The server (API and workers, in-memory PGlite, `ROUTING_RETRY_BASE_SECONDS` at its
 * default 15) runs in this process, its CPU from process.cpuUsage() (the bench's own sampling queries, one a
 * second, are in it); the emulators run in a child process (`emulators-process.ts`).
 */

/**
 * Services per tenant (one customer each). The first voice-routing attempts of one tenant take turns (a run that
 * finds another changing the tenant's Teams objects waits until it ends); the checks of waiting services do not.
 */
const PER_TENANT = Number(process.env.BENCH_WAITING_PER_TENANT) || 10;
const EMULATORS = fileURLToPath(new URL('./emulators-process.ts', import.meta.url));
const TICKS_PER_SECOND = 100;
/** A job active longer than this while nothing but waiting happens is a wait holding its slot. */
const HELD_SLOT_SECONDS = 10;

type Emulators = {
  urls: { login: string; graph: string; teams: string; control: string };
  app: { appId: string; clientSecret: string };
  dns: { address: string; keyName: string; secret: string; zone: string };
  admins: Record<string, { username: string; password: string }>;
};

const childCpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
};
const selfCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startEmulators(tenants: number): Promise<{ child: ChildProcess; world: Emulators }> {
  const child = spawn(process.execPath, [EMULATORS, String(tenants)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the emulators exited (${code})`)));
  });
  return { child, world: JSON.parse(line) as Emulators };
}

/** A request that failed because the server reset its connection (fetch's "fetch failed", cause ECONNRESET). */
const resetConnection = (e: unknown): boolean => {
  for (let c: unknown = e; c instanceof Error; c = c.cause)
    if ((c as NodeJS.ErrnoException).code === 'ECONNRESET') return true;
  return false;
};

const count = async (stack: Stack, query: ReturnType<typeof sql>) =>
  Number((await stack.rows<{ n: number }>(query))[0]!.n);

/** Server CPU (this process) and slots busy over `seconds` of nothing happening but what the server does itself. */
async function idleWindow(stack: Stack, seconds: number, emulatorPid: number) {
  const since = new Date();
  const loadAtStart = os.loadavg();
  // Every attempt of the voice-routing step (a check of a waiting one included) counts one; waits for the tenant's
  // turn do not. Read from the steps, not from pg-boss's job table (whose completed jobs its maintenance removes).
  const attempts = () =>
    count(
      stack,
      sql`select coalesce(sum(attempts), 0)::int as n from workflow_steps where name = 'voice-routing'`,
    );
  const attempts0 = await attempts();
  const cpu0 = selfCpuSeconds();
  const emu0 = childCpuSeconds(emulatorPid);
  const t0 = performance.now();
  const busy: number[] = [];
  let oldest = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(1000);
    const [sample] = await stack.rows<{ n: number; oldest: number }>(
      sql`select count(*)::int as n,
                 coalesce(max(extract(epoch from now() - started_on)), 0)::float8 as oldest
            from pgboss.job where state = 'active'`,
    );
    busy.push(Number(sample!.n));
    oldest = Math.max(oldest, Number(sample!.oldest));
  }
  const wallS = (performance.now() - t0) / 1000;
  const serverCpuS = selfCpuSeconds() - cpu0;
  const checks = (await attempts()) - attempts0;
  // The jobs of every queue sent in the window (what, besides the checks, the server did).
  const queues = await stack.rows<{ name: string; n: number }>(
    sql`select name, count(*)::int as n from pgboss.job where created_on >= ${since} group by 1 order by 1`,
  );
  const routingJobs = await count(
    stack,
    sql`select count(*)::int as n from pgboss.job where name = 'routing.run' and started_on >= ${since}`,
  );
  return {
    wallS: round(wallS, 1),
    serverCpuS: round(serverCpuS),
    serverCpuPercentOfCore: round((100 * serverCpuS) / wallS, 1),
    emulatorsCpuS: round(childCpuSeconds(emulatorPid) - emu0),
    slotsBusy: {
      mean: round(busy.reduce((a, b) => a + b, 0) / Math.max(1, busy.length)),
      max: Math.max(0, ...busy),
      samples: busy.length,
      /** The longest any job had been active at a sample: a wait that held its slot would be active throughout. */
      oldestActiveS: round(oldest, 1),
    },
    routingJobsStarted: routingJobs,
    /** Voice-routing attempts in the window: checks of waiting services (and any first attempt). */
    checks,
    jobsSentPerQueue: Object.fromEntries(queues.map((q) => [q.name, Number(q.n)])),
    /** The machine's load average (1, 5, 15 min) at the window's start and end: it is shared. */
    load: { atStart: loadAtStart.map((x) => round(x)), atEnd: os.loadavg().map((x) => round(x)) },
    since,
  };
}

export async function runWaiting({ full, ci }: { full: boolean; ci: boolean }): Promise<string[]> {
  const n = Number(process.env.BENCH_WAITING_SERVICES) || (full ? 10_000 : ci ? 50 : 500);
  const concurrency = Number(process.env.BENCH_WAITING_CONCURRENCY) || 8;
  const idleSeconds = full ? 60 : ci ? 10 : 15;
  // Made through the API; the rest (--full) are dormant clones of them (clones.ts).
  const nApi = Math.min(n, Number(process.env.BENCH_WAITING_API_SERVICES) || (full ? 1_000 : n));
  const tenants = Math.ceil(nApi / PER_TENANT);
  const misses: string[] = [];
  const loadAtStart = os.loadavg();
  const { child, world } = await startEmulators(tenants);
  // The emulators end with the bench, also when the runner abandons this group (its --ci time).
  const endEmulators = () => child.kill('SIGTERM');
  process.once('exit', endEmulators);
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      ENTRA_AUTHORITY: world.urls.login,
      ENTRA_CLIENT_ID: world.app.appId,
      ENTRA_CLIENT_SECRET: world.app.clientSecret,
      GRAPH_BASE_URL: world.urls.graph,
      TEAMS_ADMIN_BASE_URL: world.urls.teams,
    });
    const started = stack;
    // Names the request in an error (a reset connection says nothing else).
    const s = {
      ...started,
      call: (async (method: string, url: string, body?: unknown) => {
        try {
          return await started.call(method, url, body);
        } catch (e) {
          throw new Error(`${method} ${url} failed`, { cause: e });
        }
      }) as Stack['call'],
    };
    const current = await s.call<Record<string, unknown>>('GET', '/api/v1/settings/routing');
    const { dnsSecretSet: _set, saved: _saved, ...rest } = current;
    await s.call('PUT', '/api/v1/settings/routing', {
      ...rest,
      sbcBaseDomain: world.dns.zone,
      sbcAddresses: ['198.51.100.40'],
      dns: { kind: 'rfc2136', server: world.dns.address, keyName: world.dns.keyName },
      dnsSecret: world.dns.secret,
    });

    // The same server with no service at all: its idle baseline.
    const empty = await idleWindow(s, idleSeconds, child.pid!);

    // Setup, timed apart: connect n services, then start their runs and let them reach the activation wait.
    const tSetup = performance.now();
    const cpuSetup0 = { server: selfCpuSeconds(), emulators: childCpuSeconds(child.pid!) };
    const names = Object.keys(world.admins);
    const customers = new Map<string, string>();
    for (const t of names)
      customers.set(t, (await s.call('POST', '/api/v1/customers', { name: `Waiting ${t}` })).id);
    let resets = 0;
    const ids = await pool(
      Array.from({ length: nApi }, (_, i) => i),
      concurrency,
      async (i) => {
        const tenant = names[Math.floor(i / PER_TENANT)]!;
        const admin = world.admins[tenant]!;
        const create = () =>
          s.call<{ id: string; connection: { state: string; message: string } }>('POST', '/api/v1/services', {
            customerId: customers.get(tenant),
            type: 'direct-routing',
            fullName: `Waiting ${i}`,
            shortName: `wait-${i}`,
            licenseType: 'hosted-essentials-plus',
            licensedUsers: 1,
            adminAuth: { method: 'credentials', ...admin },
          });
        const svc = await create().catch(async (e: unknown) => {
          // A connection the server reset (a kept-alive socket closed as it was reused): the request may or may
          // not have been served. Served: the service is there, connected; else it is asked again.
          if (!resetConnection(e)) throw e;
          resets++;
          await sleep(1000);
          const [row] = await s.rows<{ id: string; ok: boolean }>(
            sql`select s.id, c.last_success_at is not null as ok
                  from services s left join service_connections c on c.service_id = s.id
                 where s.short_name = ${`wait-${i}`}`,
          );
          if (!row) return create();
          return {
            id: row.id,
            connection: { state: row.ok ? 'connected' : 'failed', message: 'after a reset' },
          };
        });
        if (svc.connection.state !== 'connected') throw new Error(`wait-${i}: ${svc.connection.message}`);
        return svc.id;
      },
    );
    const connectedS = (performance.now() - tSetup) / 1000;
    const cpuConnect = { server: selfCpuSeconds(), emulators: childCpuSeconds(child.pid!) };
    console.log(
      `waiting: ${nApi} services connected in ${round(connectedS, 1)} s (CPU server ${round(cpuConnect.server - cpuSetup0.server, 1)} s, emulators ${round(cpuConnect.emulators - cpuSetup0.emulators, 1)} s)`,
    );
    for (let tick = 1; ; tick++) {
      const left = await count(
        s,
        sql`select count(*)::int as n from pgboss.job
             where name = 'connection.teams-role' and state in ('created', 'retry', 'active')`,
      );
      if (left === 0) break;
      if (tick % 60 === 0) console.log(`waiting: ${left} Teams-role checks still to run`);
      await sleep(500);
    }
    const tRuns = performance.now();
    console.log(`waiting: Teams-role checks done at ${round((performance.now() - tSetup) / 1000, 1)} s`);
    const cpuRuns0 = selfCpuSeconds();
    await pool(ids, concurrency, async (id) => {
      const start = () => s.call('POST', `/api/v1/services/${id}/routing`, { configureDns: true });
      await start().catch(async (e: unknown) => {
        if (!resetConnection(e)) throw e;
        resets++;
        await sleep(1000);
        const started = await count(
          s,
          sql`select count(*)::int as n from workflows where service_id = ${id}`,
        );
        if (!started) await start();
      });
    });
    const postRouting = {
      s: round((performance.now() - tRuns) / 1000, 1),
      serverCpuS: round(selfCpuSeconds() - cpuRuns0, 1),
    };
    console.log(
      `waiting: POST /routing for all in ${postRouting.s} s (server CPU ${postRouting.serverCpuS} s)`,
    );
    const waitingNow = () =>
      count(
        s,
        sql`select count(*)::int as n from workflow_steps
             where name = 'voice-routing' and status = 'waiting' and message like 'Microsoft does not accept%'`,
      );
    let allWaitingSince: number | null = null;
    for (let tick = 1; ; tick++) {
      const failed = await s.rows<{ name: string; error: string | null }>(
        sql`select s.name, s.last_error as error from workflow_steps s join workflows w on w.id = s.workflow_id
             where w.status = 'failed' and s.status = 'failed'`,
      );
      if (failed.length)
        throw new Error(`${failed.length} routing runs failed during the setup: ${JSON.stringify(failed)}`);
      // Every run is at its voice-routing step: waiting for the activation, or (a recheck that found another run of
      // its tenant changing the Teams objects) for its turn, or being rechecked. Under load the rechecks of the
      // first minutes (every 15 s, doubling) can keep every slot busy and some rechecks always take turns, so the
      // setup ends when 95 % wait for the activation, or 60 s after every run first reached the step.
      const activation = await waitingNow();
      if (activation === nApi) break;
      const waitingAll = await count(
        s,
        sql`select count(*)::int as n from workflow_steps
             where name = 'voice-routing' and status in ('waiting', 'running')`,
      );
      if (waitingAll === nApi) {
        allWaitingSince ??= performance.now();
        if (activation >= 0.95 * nApi || performance.now() - allWaitingSince > 60_000) break;
      } else allWaitingSince = null;
      if (tick % 30 === 0) {
        // Grouped by step, status and the kind of wait (the message without the service's own names).
        const steps = await s.rows<{ name: string; n: number }>(
          sql`select name || ' ' || status || case when status = 'waiting'
                       then ' (' || case when message like 'Microsoft does not accept%' then 'activation'
                                        else left(coalesce(message, ''), 60) end || ')'
                       else '' end as name,
                     count(*)::int as n
                from workflow_steps group by 1 order by 1`,
        );
        console.log(`waiting: setup at ${tick} s: ${steps.map((r) => `${r.name} ${r.n}`).join(', ')}`);
      }
      await sleep(1000);
    }
    console.log(
      `waiting: all wait at ${round((performance.now() - tSetup) / 1000, 1)} s (CPU server ${round(selfCpuSeconds() - cpuSetup0.server, 1)} s, emulators ${round(childCpuSeconds(child.pid!) - cpuSetup0.emulators, 1)} s)`,
    );
    const setupJobs = await count(
      s,
      sql`select count(*)::int as n from pgboss.job where name = 'routing.run' and state = 'completed'`,
    );
    const setup = {
      connectS: round(connectedS, 1),
      /** Server (this process) and emulators CPU of connecting the services (POST /services, credentials path). */
      connectCpuS: {
        server: round(cpuConnect.server - cpuSetup0.server, 1),
        emulators: round(cpuConnect.emulators - cpuSetup0.emulators, 1),
      },
      /** The same for the whole setup (connect, Teams-role checks, POST /routing, the runs until all wait). */
      totalCpuS: {
        server: round(selfCpuSeconds() - cpuSetup0.server, 1),
        emulators: round(childCpuSeconds(child.pid!) - cpuSetup0.emulators, 1),
      },
      /** routing.run jobs completed per service by the end of the setup (4 steps; more: rechecks, turn-taking). */
      routingJobsPerService: round(setupJobs / nApi, 2),
      apiMade: nApi,
      perTenant: PER_TENANT,
      /** At the setup's end: voice-routing steps waiting for the activation, and for their turn at the tenant. */
      endedWith: {
        activationWaits: await waitingNow(),
        turnWaits: await count(
          s,
          sql`select count(*)::int as n from workflow_steps
               where name = 'voice-routing' and status = 'waiting' and message like 'Waiting while another run%'`,
        ),
      },
      /** Requests whose connection the server reset (then checked, and asked again when not served). */
      resets,
      /** The POST /routing calls (each starts a run; the workers run it meanwhile). */
      postRouting,
      concurrency,
      runsToWaitS: round((performance.now() - tRuns) / 1000, 1),
      totalS: round((performance.now() - tSetup) / 1000, 1),
    };

    // The rest as dormant clones of the API-made ones, their next rechecks after the measurement (clones.ts).
    let clones: Record<string, unknown> | undefined;
    if (n > nApi) {
      const laterS = Number(process.env.BENCH_WAITING_LATER_SECONDS) || 0;
      const quietSeconds = 2 * idleSeconds + laterS + 240;
      const seeded = await seedDormantClones(s, n - nApi, quietSeconds);
      const verified = await verifyClones(s);
      console.log(
        `waiting: ${n - nApi} dormant clones written in ${seeded.seconds} s:`,
        seeded.inserted,
        verified,
      );
      for (const [table, v] of Object.entries(verified))
        if (v.clones === 0 || v.equal !== v.clones)
          throw new Error(`the clones' ${table} rows differ from their originals': ${JSON.stringify(v)}`);
      // A run may hold two queued jobs (its delayed recheck and an early duplicate, e.g. a wake-up as another run
      // of its tenant ended its turn): its clone holds them too.
      if (seeded.inserted['pgboss.job']! < n - nApi || seeded.inserted.workflows !== n - nApi)
        throw new Error(`not every clone got its run and its queued job: ${JSON.stringify(seeded.inserted)}`);
      clones = { ...seeded, quietSeconds, verified };
    }

    // The idle window with n services waiting.
    const teamsCalls0 = await fetch(`${world.urls.control}/requests?surface=teams`)
      .then((r) => r.json() as Promise<{ at: string }[]>)
      .then((rs) => rs.length);
    const teamsCallsSince = async (since: Date) =>
      (
        await fetch(`${world.urls.control}/requests?surface=teams`).then(
          (r) => r.json() as Promise<{ at: string }[]>,
        )
      ).filter((r) => new Date(r.at) >= since).length;
    // BENCH_WAITING_PROFILE=<file>: a CPU profile of this process (the server) over the first window.
    const profileFile = process.env.BENCH_WAITING_PROFILE;
    const profiler = profileFile ? new Session() : null;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const waiting = await idleWindow(s, idleSeconds, child.pid!);
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(profileFile!, JSON.stringify(profile));
      profiler.disconnect();
      console.log(`waiting: the first window's CPU profile is in ${profileFile}`);
    }
    const teamsCalls = await teamsCallsSince(waiting.since);
    // Still waiting: no run finished or failed (one may be mid-recheck, or taking its turn at the tenant's Teams
    // objects, at the moment of asking).
    const stillWaiting = await count(
      s,
      sql`select count(*)::int as n from workflows where status in ('waiting', 'running')`,
    );

    // Rows and jobs per waiting service.
    const tables = await s.rows<{ name: string }>(
      sql`select table_name as name from information_schema.tables
           where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
    );
    const rows: Record<string, number> = {};
    for (const { name } of tables) {
      const total = await count(s, sql`select count(*)::int as n from ${sql.identifier(name)}`);
      if (total) rows[name] = round(total / n, 2);
    }
    const jobRows = await s.rows<{ name: string; state: string; n: number }>(
      sql`select name, state::text as state, count(*)::int as n from pgboss.job group by 1, 2 order by 1, 2`,
    );
    const jobs: Record<string, number> = {};
    for (const j of jobRows) jobs[`${j.name} ${j.state}`] = round(Number(j.n) / n, 2);
    const [size] = await s.rows<{ bytes: number }>(
      sql`select pg_database_size(current_database())::float8 as bytes`,
    );
    const databaseMB = round(Number(size!.bytes) / 2 ** 20, 1);
    const [next] = await s.rows<{ p50: number; min: number; max: number }>(
      sql`select percentile_cont(0.5) within group (order by extract(epoch from next_attempt_at - now()))::float8 as p50,
                 min(extract(epoch from next_attempt_at - now()))::float8 as min,
                 max(extract(epoch from next_attempt_at - now()))::float8 as max
            from workflow_steps where name = 'voice-routing' and status = 'waiting'`,
    );
    // Waiting steps more than 5 s past their next attempt, by kind of wait, and whether a job is queued for them
    // (a wait whose job was lost comes back only with the routing sweep).
    const overdue = await s.rows<{ kind: string; n: number; queued: number }>(
      sql`select case when s.message like 'Microsoft does not accept%' then 'activation'
                      else left(coalesce(s.message, ''), 40) end as kind,
                 count(*)::int as n,
                 count(*) filter (where exists (select 1 from pgboss.job j where j.name = 'routing.run'
                   and j.data->>'workflowId' = s.workflow_id::text and j.state in ('created', 'retry')))::int as queued
            from workflow_steps s
           where s.name = 'voice-routing' and s.status = 'waiting' and s.next_attempt_at < now() - interval '5 seconds'
           group by 1`,
    );
    if (overdue.length) console.log('waiting: overdue waiting steps:', overdue);
    // A later window (BENCH_WAITING_LATER_SECONDS after the first): the rechecks' intervals have doubled
    // meanwhile, so it shows how the cost falls towards the hourly cadence.
    const laterAfterS = Number(process.env.BENCH_WAITING_LATER_SECONDS) || 0;
    let later: Record<string, unknown> | undefined;
    if (laterAfterS > 0) {
      console.log(`waiting: a second window in ${laterAfterS} s`);
      await sleep(laterAfterS * 1000);
      const w = await idleWindow(s, idleSeconds, child.pid!);
      const calls = await teamsCallsSince(w.since);
      const [nx] = await s.rows<{ p50: number; min: number; max: number }>(
        sql`select percentile_cont(0.5) within group (order by extract(epoch from next_attempt_at - now()))::float8 as p50,
                   min(extract(epoch from next_attempt_at - now()))::float8 as min,
                   max(extract(epoch from next_attempt_at - now()))::float8 as max
              from workflow_steps where name = 'voice-routing' and status = 'waiting'`,
      );
      const extra = w.serverCpuS - (empty.serverCpuS * w.wallS) / empty.wallS;
      later = {
        afterFirstWindowS: laterAfterS,
        ...w,
        since: undefined,
        teamsCalls: calls,
        recheckCpuMs: w.checks ? round((1000 * extra) / w.checks, 1) : null,
        nextRecheckSeconds: { min: round(nx!.min, 0), p50: round(nx!.p50, 0), max: round(nx!.max, 0) },
        stillWaiting: await count(
          s,
          sql`select count(*)::int as n from workflows where status in ('waiting', 'running')`,
        ),
      };
      console.log('waiting: the later window:', later);
    }
    // One recheck's CPU: the window's CPU above the empty server's, per routing job started in it.
    const extraCpuS = waiting.serverCpuS - (empty.serverCpuS * waiting.wallS) / empty.wallS;
    const recheckCpuMs = waiting.checks ? (1000 * extraCpuS) / waiting.checks : NaN;
    const projection = {
      recheckCpuMs: round(recheckCpuMs, 1),
      /** 10,000 services each rechecked hourly (the cap of the doubling interval): CPU % of a core. */
      tenThousandHourlyPercentOfCore: round((10_000 / 3600) * (recheckCpuMs / 1000) * 100, 1),
    };
    const result = {
      n,
      projection,
      idleSeconds,
      setup,
      clones,
      empty: { ...empty, since: undefined },
      waiting: { ...waiting, since: undefined, teamsCalls, stillWaiting },
      later,
      rowsPerService: rows,
      jobsPerService: jobs,
      databaseMB,
      nextRecheckSeconds: { min: round(next!.min, 0), p50: round(next!.p50, 0), max: round(next!.max, 0) },
      overdue,
      teamsCallsBeforeWindow: teamsCalls0,
    };

    console.log(`\n## Waiting cheaply (issue #14 item 4): ${n} services waiting for Teams activation`);
    console.table({
      'setup: connect n services, s': { value: setup.connectS },
      'setup: start runs until all wait for activation, s': { value: setup.runsToWaitS },
      [`idle ${idleSeconds} s, no service: server CPU % of a core`]: { value: empty.serverCpuPercentOfCore },
      [`idle ${idleSeconds} s, ${n} waiting: server CPU % of a core`]: {
        value: waiting.serverCpuPercentOfCore,
      },
      'waiting: worker slots busy, mean (max)': {
        value: `${waiting.slotsBusy.mean} (${waiting.slotsBusy.max})`,
      },
      'waiting: longest a job had been active at a sample, s': { value: waiting.slotsBusy.oldestActiveS },
      'waiting: routing jobs started in the window (job table)': { value: waiting.routingJobsStarted },
      'waiting: checks (voice-routing attempts) in the window': { value: waiting.checks },
      'waiting: Teams calls in the window': { value: teamsCalls },
      'one recheck: server CPU ms': { value: projection.recheckCpuMs },
      '10,000 waiting, rechecked hourly: server CPU % of a core (projected)': {
        value: projection.tenThousandHourlyPercentOfCore,
      },
      'waiting: next recheck in s, min / p50 / max': {
        value: `${result.nextRecheckSeconds.min} / ${result.nextRecheckSeconds.p50} / ${result.nextRecheckSeconds.max}`,
      },
    });
    console.log('rows per waiting service:', rows);
    console.log('pg-boss jobs per waiting service (name state):', jobs);
    console.log(`database size: ${databaseMB} MB`);
    if (stillWaiting !== n)
      misses.push(`waiting: ${n - stillWaiting} services stopped waiting during the window`);
    // A waiting service must not hold a slot: what is busy is rechecks that fell due, each a job of a second or so.
    if (waiting.slotsBusy.oldestActiveS > HELD_SLOT_SECONDS)
      misses.push(
        `waiting: a job was active for ${waiting.slotsBusy.oldestActiveS} s while ${n} services waited (a held slot)`,
      );

    const dir = fileURLToPath(new URL('../../results', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/waiting-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          ...result,
          cpus: os.cpus().length,
          node: process.version,
          loadAtStart,
          load: os.loadavg(),
        },
        null,
        2,
      )}\n`,
    );
    console.log(`written ${file}`);
  } finally {
    await stack?.stop();
    process.off('exit', endEmulators);
    endEmulators();
  }
  return misses;
}
