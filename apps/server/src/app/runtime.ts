import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.ts';
import { buildHttpApp } from '../http/app.ts';
import type { App } from '../http/types.ts';
import { jobDefinitions } from '../jobs/definitions.ts';
import { startJobEngine, type JobEngine } from '../jobs/engine.ts';
import type { JobDefinition, JobRegistration } from '../jobs/job.ts';
import { migrateDatabase, openDatabase, pingDatabase, type DatabaseHandle } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import { resolveMasterKey } from '../secrets/master-key.ts';
import { createSmtpMailer } from '../mail/mailer.ts';
import { ensureProviderAdmin } from './bootstrap.ts';
import { createServices, createWorkers, type Services } from './container.ts';
import { createRepositories } from './repositories.ts';
import { createUnitOfWork } from '../platform/db/unit-of-work.ts';
import { openChangeFeed } from '../platform/changes/change-feed.ts';
import { ensureSbcInventory } from '../sbc/sbc-bootstrap.ts';

export type RunMode = 'all' | 'api' | 'worker';

export type Runtime = {
  handle: DatabaseHandle;
  jobs: JobEngine;
  services: Services;
  app: App | null;
  url: string | null;
  stop(): Promise<void>;
};

export const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Starts Trunkline: opens the database, applies migrations, starts the job engine, and then the HTTP API
 * (modes all and api) and the workers (modes all and worker). Infrastructure may be passed in (tests).
 */
type StartOptions = {
  config: Config;
  logger: Logger;
  mode: RunMode;
  handle?: DatabaseHandle;
  extraJobs?: { definitions: JobDefinition[]; registrations: JobRegistration[] };
  onAdminCreated?: (info: { email: string; generatedPassword: string | null }) => void;
};

export async function startRuntime(options: StartOptions): Promise<Runtime> {
  const { config, mode } = options;
  // The API's port answers /healthz at once, before the database opens (seconds for PGlite) and the migrations and
  // job queues are prepared; everything else answers 503 `starting` until the app takes the server over.
  const early = mode === 'worker' ? null : await listenWhileStarting(config.port, config.host);
  try {
    return await start(options, early);
  } catch (e) {
    early?.server.closeAllConnections();
    await new Promise((r) => early?.server.close(r) ?? r(undefined));
    throw e;
  }
}

/**
 * A server on the API's port that answers only `/healthz` (200, starting) until `open` hands its requests to the
 * app's handler (after the app is ready).
 */
type EarlyServer = {
  server: Server;
  attach(handler: RequestListener): void;
  open(): void;
};

async function listenWhileStarting(port: number, host: string): Promise<EarlyServer> {
  let attached: RequestListener | null = null;
  let app: RequestListener | null = null;
  const server = createServer((req, res) => {
    if (app) {
      app(req, res);
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (path === '/healthz') {
      res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ status: 'starting' }));
      return;
    }
    res.writeHead(503, { ...headers, 'content-type': 'application/problem+json', 'retry-after': '1' });
    res.end(
      JSON.stringify({
        type: 'about:blank',
        title: 'Starting',
        status: 503,
        detail: 'Trunkline is starting; try again in a moment.',
        code: 'starting',
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    attach: (handler) => {
      attached = handler;
    },
    open: () => {
      if (!attached) throw new Error('The app did not attach to the early server.');
      app = attached;
    },
  };
}

const urlOf = (server: Server) => {
  const a = server.address() as AddressInfo;
  return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
};

async function start(options: StartOptions, early: EarlyServer | null): Promise<Runtime> {
  const { config, logger, mode } = options;
  const handle = options.handle ?? (await openDatabase(config.database));
  await migrateDatabase(handle);
  const changes = await openChangeFeed(handle, logger.child({ component: 'changes' }));
  const jobs = await startJobEngine(handle, logger.child({ component: 'jobs' }), { wake: changes });
  await jobs.prepare([...jobDefinitions, ...(options.extraJobs?.definitions ?? [])]);

  const { key, generated } = await resolveMasterKey(config.masterKey, config.dataDir);
  if (!config.masterKey)
    logger.warn(
      { file: `${config.dataDir}/master.key`, generated },
      'MASTER_KEY is not set: secrets are encrypted with a key file in DATA_DIR. Set MASTER_KEY in production and keep it safe.',
    );
  const services = createServices({ db: handle.db, jobs, masterKey: key, config, changes });
  // An empty SBC inventory gets the configured default SBC, or (an upgrade) one from the routing settings.
  const addedSbc = await ensureSbcInventory({
    sbcs: services.repos.sbcs,
    vault: services.vault,
    initial: config.sbc.initial,
    routing: async () => {
      const { sbcAddresses, sbcBaseDomain } = await services.routingSettings.effective();
      return { sbcAddresses, sbcBaseDomain };
    },
  });
  if (addedSbc)
    logger.info(
      { sbc: addedSbc.name, managementUrl: addedSbc.managementUrl, addresses: addedSbc.addresses },
      'The SBC inventory was empty: added the default SBC (Settings → SBCs)',
    );

  if (mode !== 'worker') {
    const result = await ensureProviderAdmin(createUnitOfWork(handle.db, createRepositories), config.admin);
    if (result.created) options.onAdminCreated?.(result);
  }

  let sweepTimer: NodeJS.Timeout | null = null;
  if (mode !== 'api') {
    const mailer = createSmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from });
    const { routingRunner, handlers } = createWorkers(services, { jobs, mailer, config });
    const registrations = [...handlers, ...(options.extraJobs?.registrations ?? [])];
    await jobs.work(registrations, {
      concurrency: config.worker.concurrency,
      pollSeconds: config.worker.pollSeconds,
    });
    // Each worker looks for routing runs nobody works on (a crashed worker, a lost job) and sends them a job;
    // a duplicate is harmless, the run's lease admits one worker.
    const sweeper = routingRunner(logger);
    sweepTimer = setInterval(() => {
      sweeper.sweep().catch((e: unknown) => logger.warn({ err: e }, 'routing sweep failed'));
    }, config.routing.sweepSeconds * 1000);
    sweepTimer.unref();
  }

  let app: App | null = null;
  let url: string | null = null;
  if (mode !== 'worker') {
    app = await buildHttpApp({
      config,
      logger,
      services,
      version,
      health: { database: () => pingDatabase(handle.db), jobs: () => jobs.ping() },
      ...(early ? { server: early } : {}),
    });
    await app.ready();
    early!.open();
    url = urlOf(early!.server);
  }

  return {
    handle,
    jobs,
    services,
    app,
    url,
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      await app?.close();
      // The app took the server over without listening itself, so Fastify leaves closing it to us.
      if (early) {
        early.server.closeAllConnections();
        await new Promise((r) => early.server.close(r));
      }
      await changes.close();
      await jobs.stop();
      if (!options.handle) await handle.close();
    },
  };
}
