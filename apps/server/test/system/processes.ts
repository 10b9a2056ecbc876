import { randomBytes } from 'node:crypto';
import { Client, expectStatus } from '../support/client.ts';
import { freePort, NodeProcess, tempDir, waitFor, WaitAborted, waitForReady, withClient } from './support.ts';

/** The server's entry point: `main.ts api` and `main.ts worker`, as `npm run start:api` / `start:worker` run it. */
export const MAIN = 'apps/server/src/main.ts';

/** A worker process: its name (in logs and failure messages) and the host whose data directory it uses. */
export type WorkerSpec = { name: string; host?: string };

export type ApiAndWorkers = {
  publicUrl: string;
  /** The provider admin, signed in. */
  admin: Client;
  api: NodeProcess;
  /** The workers started with the API, in the order given. */
  workers: NodeProcess[];
  /** Every process started so far, the API first (for failure messages). */
  processes: NodeProcess[];
  /** Starts one more worker on the same database and waits until it has started. */
  startWorker(spec: WorkerSpec): Promise<NodeProcess>;
  /** Stops every process (SIGTERM, then SIGKILL), then removes the data directories. */
  stop(): Promise<void>;
};

/** Waits until `proc` logs "Trunkline started", failing at once if it exits. */
export const waitForStarted = (proc: NodeProcess) =>
  waitFor(
    `${proc.name} to log "Trunkline started"`,
    () => {
      if (!proc.running) throw new WaitAborted(`${proc.name} exited.\n${proc.tail()}`);
      return proc.logs().some((l) => l.msg === 'Trunkline started');
    },
    { timeoutMs: 60_000, context: () => proc.tail() },
  );

/**
 * One API process and worker processes on one database, as on separate hosts: each host (the API, each worker
 * unless `host` names a shared one) has its own data directory; all share one master key, since all open sealed
 * secrets. Resolves once the API answers /readyz, every worker has started and the provider admin (created from
 * `admin` at the first start) is signed in. `env` adds to every process's environment: DATABASE_URL, Microsoft's
 * endpoints, routing's timings. `beforeStart` runs once the API's address is known, before any process starts.
 * Each process's output is in memory (`tail()`); if starting fails, what was started is stopped again.
 */
export async function startApiAndWorkers(options: {
  /** Names the data directories: `trunkline-<name>-api`, `trunkline-<name>-<host>`. */
  name: string;
  admin: { email: string; password: string };
  env: Record<string, string>;
  workers: WorkerSpec[];
  beforeStart?: (publicUrl: string) => void;
}): Promise<ApiAndWorkers> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  options.beforeStart?.(publicUrl);
  const common = {
    MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'info',
    PUBLIC_URL: publicUrl,
    TRUNKLINE_ADMIN_EMAIL: options.admin.email,
    TRUNKLINE_ADMIN_PASSWORD: options.admin.password,
    ...options.env,
  };
  const dirs = new Map<string, ReturnType<typeof tempDir>>();
  const dataDir = (host: string) => {
    let dir = dirs.get(host);
    if (!dir) dirs.set(host, (dir = tempDir(`trunkline-${options.name}-${host}`)));
    return dir.dir;
  };
  const processes: NodeProcess[] = [];
  const spawnWorker = ({ name, host = name }: WorkerSpec) => {
    const proc = new NodeProcess(name, [MAIN, 'worker'], { ...common, DATA_DIR: dataDir(host) });
    processes.push(proc);
    return proc;
  };
  const stop = async () => {
    const errors: unknown[] = [];
    for (const proc of processes) await proc.stop().catch((e: unknown) => errors.push(e));
    for (const dir of dirs.values()) {
      try {
        dir.remove();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'stopping the API and workers failed');
  };

  const api = new NodeProcess('api', [MAIN, 'api'], {
    ...common,
    DATA_DIR: dataDir('api'),
    PORT: String(port),
    HOST: '127.0.0.1',
  });
  processes.push(api);
  const workers = options.workers.map(spawnWorker);
  try {
    await Promise.all([waitForReady(api, publicUrl), ...workers.map(waitForStarted)]);
    const admin = new Client(publicUrl, publicUrl);
    await admin.login(options.admin.email, options.admin.password);
    return {
      publicUrl,
      admin,
      api,
      workers,
      processes,
      startWorker: async (spec) => {
        const proc = spawnWorker(spec);
        await waitForStarted(proc);
        return proc;
      },
      stop,
    };
  } catch (e) {
    await stop().catch((more: unknown) => {
      throw new AggregateError([e, more], 'starting the API and workers failed, and stopping them too');
    });
    throw e;
  }
}

/**
 * Default routing's settings through the API: the SBC base domain and addresses, and the provider's DNS server
 * (RFC 2136, its TSIG key). The rest of the settings stay as they are.
 */
export async function configureRouting(
  admin: Client,
  routing: { zone: string; sbcAddresses: string[]; dnsServer: string; keyName: string; secret: string },
) {
  const current = expectStatus(await admin.get('/api/v1/settings/routing'), 200);
  const { dnsSecretSet: _set, saved: _saved, ...rest } = current;
  expectStatus(
    await admin.put('/api/v1/settings/routing', {
      ...rest,
      sbcBaseDomain: routing.zone,
      sbcAddresses: routing.sbcAddresses,
      dns: { kind: 'rfc2136', server: routing.dnsServer, keyName: routing.keyName },
      dnsSecret: routing.secret,
    }),
    200,
  );
}

/** Waits until the queue holds `count` jobs named `name` (pg-boss) and all of them completed. */
export const waitForJobsCompleted = (
  databaseUrl: string,
  name: string,
  count: number,
  options: { timeoutMs: number; context: () => string },
) =>
  waitFor(
    `the ${name} jobs to complete`,
    () =>
      withClient(databaseUrl, async (c) => {
        const { rows } = await c.query<{ state: string }>(`select state from pgboss.job where name = $1`, [
          name,
        ]);
        return rows.length === count && rows.every((r) => r.state === 'completed');
      }),
    { ...options, intervalMs: 250 },
  );

/**
 * Runs every cleanup step in order, even after one failed, and then throws the failures together (for
 * `afterAll`: processes first, since they hold connections, then databases, emulators and directories).
 */
export async function cleanUp(steps: Array<() => Promise<unknown> | unknown>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length) throw new AggregateError(errors, 'cleanup failed');
}
