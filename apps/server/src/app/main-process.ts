/** The server process, imported by `src/main.ts` once the compile cache is on: mode, config, runtime, signals. */
import { loadConfigOrExit } from '../config/config.ts';
import { startRuntime, type RunMode } from './runtime.ts';
import { createLogger } from '../platform/logger.ts';

const mode = (process.argv[2] ?? 'all') as RunMode;
if (!['all', 'api', 'worker'].includes(mode)) {
  process.stderr.write(`Unknown mode "${mode}". Use: all (default), api or worker.\n`);
  process.exit(2);
}

const config = loadConfigOrExit();
if (mode !== 'all' && config.database.kind === 'pglite') {
  process.stderr.write(
    `DATABASE_URL is required for "${mode}" mode: the embedded database belongs to one process. Set DATABASE_URL to a PostgreSQL server, or run \`npm start\`.\n`,
  );
  process.exit(78);
}

const logger = createLogger({ level: config.logLevel });
const runtime = await startRuntime({
  config,
  logger,
  mode,
  onAdminCreated: ({ email, generatedPassword }) => {
    // Printed once, on the first start only; it is stored as a scrypt hash.
    const lines = [`Provider admin created: ${email}`];
    if (generatedPassword)
      lines.push(`Generated password (shown once, change it after signing in): ${generatedPassword}`);
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
  },
});
logger.info({ mode, url: runtime.url, database: config.database.kind }, 'Trunkline started');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    runtime.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  });
}
