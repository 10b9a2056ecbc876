import { readFileSync } from 'node:fs';
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
export async function startRuntime(options: {
  config: Config;
  logger: Logger;
  mode: RunMode;
  handle?: DatabaseHandle;
  extraJobs?: { definitions: JobDefinition[]; registrations: JobRegistration[] };
  onAdminCreated?: (info: { email: string; generatedPassword: string | null }) => void;
}): Promise<Runtime> {
  const { config, logger, mode } = options;
  const handle = options.handle ?? (await openDatabase(config.database));
  await migrateDatabase(handle);
  const jobs = await startJobEngine(handle, logger.child({ component: 'jobs' }));
  await jobs.prepare([...jobDefinitions, ...(options.extraJobs?.definitions ?? [])]);

  const { key, generated } = await resolveMasterKey(config.masterKey, config.dataDir);
  if (!config.masterKey)
    logger.warn(
      { file: `${config.dataDir}/master.key`, generated },
      'MASTER_KEY is not set: secrets are encrypted with a key file in DATA_DIR. Set MASTER_KEY in production and keep it safe.',
    );
  const changes = await openChangeFeed(handle, logger.child({ component: 'changes' }));
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
    });
    url = await app.listen({ port: config.port, host: config.host });
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
      await changes.close();
      await jobs.stop();
      if (!options.handle) await handle.close();
    },
  };
}
