import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serverEnv } from '../../../apps/server/src/node-flags.ts';

const EMULATORS = fileURLToPath(new URL('./emulators-process.ts', import.meta.url));
const SERVER_MAIN = fileURLToPath(new URL('../../../apps/server/src/main.ts', import.meta.url));
export const ORIGIN = 'http://bench.test';
/** The provider's SBC zone in the emulated DNS. */
export const ZONE = 'sbc.tenants.bench.example';
const EMAIL = 'bench@example.com';
const PASSWORD = 'bench password 123';

export type EmulatorWorld = {
  urls: { login: string; graph: string; teams: string; control: string };
  app: { appId: string; clientSecret: string };
  dns: { address: string; keyName: string; secret: string };
};

/** A child process ends with the bench even when a run is abandoned (`--ci`'s time limit) or fails. */
const endWithUs = (child: ChildProcess) => {
  const end = () => child.kill('SIGKILL');
  process.once('exit', end);
  child.once('exit', () => process.off('exit', end));
};

/** The emulators' child process (`emulators-process.ts`) with `tenants` tenants `t1 … t<tenants>`. */
export async function startEmulators(
  tenants: number,
): Promise<{ child: ChildProcess; world: EmulatorWorld }> {
  const child = spawn(process.execPath, [EMULATORS, String(tenants)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  endWithUs(child);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the emulators exited (${code})`)));
  });
  return { child, world: JSON.parse(line) as EmulatorWorld };
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export type Server = {
  /** The process that answers HTTP: `all` (PGlite) or `api` (PostgreSQL). */
  child: ChildProcess;
  /** The `worker` processes (PostgreSQL); none with PGlite, whose one process runs the workers too. */
  workers: ChildProcess[];
  url: string;
  call<T = { id: string } & Record<string, unknown>>(method: string, url: string, body?: unknown): Promise<T>;
};

/** Where the server keeps its data: PGlite in its own process, or a PostgreSQL database with `workers` workers. */
export type Deployment = { kind: 'pglite' } | { kind: 'postgres'; url: string; workers: number };

/**
 * The server as `npm start` runs it: its own process, `node apps/server/src/main.ts all` (API and workers, PGlite
 * in a fresh data directory), configured through its environment to use the emulators. With a PostgreSQL
 * `deployment`, the provider's scale deployment instead: one `main.ts api` process (`npm run start:api`) and
 * `workers` `main.ts worker` processes (`npm run start:worker`) on that database, sharing one master key. `nodeFlags`
 * go before the script (V8 and Node options), `env` adds variables. Answers once `/readyz` does and every worker
 * has started, with the admin signed in.
 */
export async function startServer(
  world: EmulatorWorld,
  options: { nodeFlags?: string[]; env?: Record<string, string>; deployment?: Deployment } = {},
): Promise<Server> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-bench-tenants-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const deployment = options.deployment ?? { kind: 'pglite' };
  // The bench's own DATABASE_URL (a PostgreSQL server the API group may create databases on, set by the CI
  // stage) and MASTER_KEY are not the server's: the default deployment is PGlite in its data directory with the
  // key file there, as `npm start` runs it (with them, every group's server shared one database and a second
  // group's key did not open the first one's secrets).
  const { DATABASE_URL: _url, MASTER_KEY: _key, ...inherited } = process.env;
  const env = {
    ...inherited,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: ORIGIN,
    DATA_DIR: dir,
    WEB_DIST_DIR: path.join(dir, 'none'),
    LOG_LEVEL: 'warn',
    TRUNKLINE_ADMIN_EMAIL: EMAIL,
    TRUNKLINE_ADMIN_PASSWORD: PASSWORD,
    ENTRA_AUTHORITY: world.urls.login,
    ENTRA_CLIENT_ID: world.app.appId,
    ENTRA_CLIENT_SECRET: world.app.clientSecret,
    GRAPH_BASE_URL: world.urls.graph,
    TEAMS_ADMIN_BASE_URL: world.urls.teams,
    ROUTING_RETRY_BASE_SECONDS: '1',
    // What npm start adds to the server's environment (glibc's arena limit), so memory figures are npm start's.
    ...serverEnv(process.env),
    ...(deployment.kind === 'postgres'
      ? { DATABASE_URL: deployment.url, MASTER_KEY: randomBytes(32).toString('base64') }
      : {}),
    ...options.env,
  };
  const spawnServer = (mode: 'all' | 'api' | 'worker') => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), SERVER_MAIN, mode], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
    });
    endWithUs(child);
    return child;
  };
  const exitOf = (child: ChildProcess) => {
    const state: { code?: number | null } = {};
    child.once('exit', (code) => (state.code = code));
    return state;
  };
  const child = spawnServer(deployment.kind === 'postgres' ? 'api' : 'all');
  const exited = exitOf(child);
  const until = Date.now() + 180_000;
  for (;;) {
    if ('code' in exited) throw new Error(`the server exited (${exited.code})`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) throw new Error('the server did not become ready');
    await new Promise((r) => setTimeout(r, 250));
  }
  // The workers start once the API has migrated the database (each would migrate it too, one after the other).
  const workers =
    deployment.kind === 'postgres'
      ? Array.from({ length: deployment.workers }, () => spawnServer('worker'))
      : [];
  const workersExited = workers.map(exitOf);
  // A worker has started when its pg-boss has: its own connection to the database is then open. The API answers
  // meanwhile; a worker that exits early fails the run.
  if (workers.length) {
    await new Promise((r) => setTimeout(r, 3_000));
    const gone = workersExited.find((w) => 'code' in w);
    if (gone) throw new Error(`a worker exited (${gone.code})`);
  }
  const login = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(url + path, {
      method,
      headers: { cookie, origin: ORIGIN, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return { child, workers, url, call: call as Server['call'] };
}

/** Ends a child process and waits for it to exit. */
export async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Resident memory of a process from /proc (Linux): now (VmRSS) and its peak so far (VmHWM), in MB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return null;
  }
}

/** Samples the RSS of these processes every `everyMs` until stopped: the highest seen and the peak (VmHWM). */
export function sampleMemory(pids: Record<string, number>, everyMs = 500) {
  const max: Record<string, number> = {};
  const peak: Record<string, number> = {};
  const tick = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const m = memoryOf(pid);
      if (!m) continue;
      max[name] = Math.max(max[name] ?? 0, m.rssMb);
      peak[name] = Math.max(peak[name] ?? 0, m.peakMb);
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    now: () => Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, memoryOf(pid)?.rssMb ?? null])),
    stop() {
      tick();
      clearInterval(timer);
      return { maxSampledRssMb: { ...max }, peakRssMb: { ...peak } };
    },
  };
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

/**
 * CPU time a process has used so far (user + system, from /proc/<pid>/stat), in seconds; with `children`, also that
 * of its live children and of the children it has reaped (PostgreSQL's postmaster and its backends). Null once the
 * process is gone.
 */
export function cpuSecondsOf(pid: number, children = false): number | null {
  try {
    // The fields after the command's closing parenthesis: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    let ticks = f[11]! + f[12]!;
    if (children) {
      ticks += f[13]! + f[14]!;
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      for (const kid of kids) ticks += (cpuSecondsOf(Number(kid)) ?? 0) * TICKS_PER_SECOND;
    }
    return ticks / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
