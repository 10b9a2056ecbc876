import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, openDatabase, startRuntime } from '@trunkline/server';
import { throwawayDatabase } from '../scale/stack.ts';

const ORIGIN = 'http://bench.test';
const EMAIL = 'bench@example.com';
const PASSWORD = 'bench password 123';
const EMULATORS = fileURLToPath(new URL('./emulators-process.ts', import.meta.url));
const TICKS_PER_SECOND = 100; // Linux USER_HZ (getconf CLK_TCK)
/**
 * How often the bench asks whether the run ended. The wall time is the run's own `finishedAt`, so asking less often
 * does not change what is measured, only how much the observer competes with the run: each `GET /routing` is a
 * session check and five reads on PGlite's one connection, in the server's process. At 25 ms they were about a
 * third of the server's CPU over an onboarding at latency 50 (0.58–0.64 s at 25 ms, 0.36–0.40 s at 250 ms, same wall;
 * 2026-12-08, load 1).
 */
const POLL_MS = 250;

type Emulators = {
  urls: { login: string; graph: string; teams: string; control: string };
  app: { appId: string; clientSecret: string };
  dns: { address: string; keyName: string; secret: string };
};
export type LoggedRequest = { at: string; surface: string; method: string; path: string; status: number };
export type Step = {
  name: string;
  status: string;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
};
export type Run = { id: string; status: string; steps: Step[]; createdAt: string; finishedAt: string | null };

/** CPU seconds (user + system) a child process has used so far, from /proc (Linux). */
const childCpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
};
const selfCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function startEmulators(): Promise<{ child: ChildProcess; world: Emulators }> {
  const child = spawn(process.execPath, [EMULATORS], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the emulators exited (${code})`)));
  });
  return { child, world: JSON.parse(line) as Emulators };
}

/**
 * The server (API and workers, one process, in-memory PGlite or a throwaway database on `postgresServerUrl`) in this
 * process, the emulators in a child process.
 * `onboard(tenant, latencyMs)` connects a service to the tenant (credentials), waits for the Teams-role check,
 * then measures the routing run from its start to its end: wall time, CPU of both processes, the Microsoft calls
 * and Trunkline's step records.
 */
export async function startOnboardingBench(options: { postgresServerUrl?: string } = {}) {
  const { child, world } = await startEmulators();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-bench-'));
  const config = {
    ...loadConfig({
      PUBLIC_URL: ORIGIN,
      DATA_DIR: dir,
      TRUNKLINE_ADMIN_EMAIL: EMAIL,
      TRUNKLINE_ADMIN_PASSWORD: PASSWORD,
      WEB_DIST_DIR: path.join(dir, 'none'),
      ENTRA_AUTHORITY: world.urls.login,
      ENTRA_CLIENT_ID: world.app.appId,
      ENTRA_CLIENT_SECRET: world.app.clientSecret,
      GRAPH_BASE_URL: world.urls.graph,
      TEAMS_ADMIN_BASE_URL: world.urls.teams,
      ROUTING_RETRY_BASE_SECONDS: '1',
    }),
    port: 0,
    host: '127.0.0.1',
  };
  // In-memory PGlite in this process (`npm start`'s database), or a new database on a PostgreSQL server.
  const database = options.postgresServerUrl
    ? await throwawayDatabase(options.postgresServerUrl, 'tl_bench_onboarding')
    : { handle: await openDatabase({ kind: 'pglite' }), drop: () => Promise.resolve() };
  const { handle } = database;
  const runtime = await startRuntime({
    config,
    logger: createLogger({ level: 'silent' }),
    mode: 'all',
    handle,
  });
  const login = await fetch(`${runtime.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(runtime.url + url, {
      method,
      headers: { cookie, origin: ORIGIN, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const control = async <T>(method: string, url: string, body?: unknown): Promise<T | null> => {
    const res = await fetch(world.urls.control + url, {
      method,
      ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 400) throw new Error(`control ${method} ${url}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : ((await res.json()) as T);
  };
  const poll = async <T>(what: string, probe: () => Promise<T | null>, timeoutMs = 120_000): Promise<T> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      // First wait, then ask: a probe right after POST /routing would meet the worker's first reads of the run.
      await new Promise((r) => setTimeout(r, POLL_MS));
      const v = await probe();
      if (v !== null) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    }
  };

  const current = await call<Record<string, unknown>>('GET', '/api/v1/settings/routing');
  const { dnsSecretSet: _set, saved: _saved, ...rest } = current;
  await call('PUT', '/api/v1/settings/routing', {
    ...rest,
    sbcBaseDomain: 'sbc.bench.example',
    sbcAddresses: ['198.51.100.10'],
    dns: { kind: 'rfc2136', server: world.dns.address, keyName: world.dns.keyName },
    dnsSecret: world.dns.secret,
  });
  const adminOf = async (tenant: string) =>
    (await control<{ users: { userPrincipalName: string }[] }>('GET', `/tenants/${tenant}`))!.users[0]!;
  let n = 0;

  return {
    async onboard(tenant: string, latencyMs: number) {
      n++;
      await control('POST', `/tenants/${tenant}/consent`, {});
      await control('PUT', '/faults', { latencyMs, errorRate: 0, surfaces: ['identity', 'graph', 'teams'] });
      const customer = await call<{ id: string }>('POST', '/api/v1/customers', { name: `Bench ${n}` });
      const user = await adminOf(tenant);
      const svc = await call<{ id: string; connection: { state: string; message: string } }>(
        'POST',
        '/api/v1/services',
        {
          customerId: customer.id,
          type: 'direct-routing',
          fullName: `Bench ${n}`,
          shortName: `bench-${n}`,
          licenseType: 'hosted-essentials-plus',
          licensedUsers: 1,
          adminAuth: {
            method: 'credentials',
            username: user.userPrincipalName,
            password: 'Contoso-Admin-1!',
          },
        },
      );
      if (svc.connection.state !== 'connected') throw new Error(`${tenant}: ${svc.connection.message}`);
      await poll('the Teams role check', async () => {
        const c = await call<{ teamsRole: { state: string } }>(
          'GET',
          `/api/v1/services/${svc.id}/connection`,
        );
        return c.teamsRole.state === 'unknown' ? null : true;
      });
      await control('DELETE', '/requests');
      const cpu0 = { server: selfCpuSeconds(), emulators: childCpuSeconds(child.pid!) };
      const t0 = Date.now();
      await call('POST', `/api/v1/services/${svc.id}/routing`, { configureDns: true });
      const run = await poll('the routing run', async () => {
        const r = await call<Run>('GET', `/api/v1/services/${svc.id}/routing`);
        if (r.status === 'failed') throw new Error(`the run failed: ${JSON.stringify(r.steps)}`);
        return r.status === 'succeeded' ? r : null;
      });
      const cpu = {
        server: selfCpuSeconds() - cpu0.server,
        emulators: childCpuSeconds(child.pid!) - cpu0.emulators,
      };
      const calls = (await control<LoggedRequest[]>('GET', `/requests?tenant=${tenant}`))!;
      const end = Date.parse(run.finishedAt ?? run.steps.at(-1)!.finishedAt!);
      return { wallMs: end - t0, startedAt: t0, cpu, run, calls };
    },
    async stop() {
      await runtime.stop();
      await handle.close();
      await database.drop();
      child.kill('SIGTERM');
    },
  };
}

export type OnboardingResult = Awaited<
  ReturnType<Awaited<ReturnType<typeof startOnboardingBench>>['onboard']>
>;
