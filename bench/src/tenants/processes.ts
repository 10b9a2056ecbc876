import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export type Server = {
  child: ChildProcess;
  url: string;
  call<T = { id: string } & Record<string, unknown>>(method: string, url: string, body?: unknown): Promise<T>;
};

/**
 * The server as `npm start` runs it: its own process, `node apps/server/src/main.ts all` (API and workers, PGlite
 * in a fresh data directory), configured through its environment to use the emulators. `nodeFlags` go before
 * the script (V8 and Node options), `env` adds variables. Answers once `/readyz` does, with the admin signed in.
 */
export async function startServer(
  world: EmulatorWorld,
  options: { nodeFlags?: string[]; env?: Record<string, string> } = {},
): Promise<Server> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-bench-tenants-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), SERVER_MAIN, 'all'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
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
      ...options.env,
    },
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  endWithUs(child);
  const until = Date.now() + 180_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`the server exited (${exited})`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) throw new Error('the server did not become ready');
    await new Promise((r) => setTimeout(r, 250));
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
  return { child, url, call: call as Server['call'] };
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
