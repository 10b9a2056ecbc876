/**
 * A preload (`node --import …/crash-points-gate.ts apps/server/src/main.ts worker`) that lets the crash-points
 * test keep a spare worker process ready: it loads the server's module graph (the seconds a cold start spends on
 * a busy machine), says `crash-points gate: ready` on stdout and waits for SIGUSR2 before `main.ts` runs. Nothing
 * of Trunkline has started by then: no database connection, no job engine, no worker. So a spare released right
 * after the previous worker was killed starts like any restarted worker, only without the module loading.
 */
import module from 'node:module';

module.enableCompileCache?.();
// A signal listener does not keep the event loop alive; the timer does, until the release.
const keepAlive = setInterval(() => undefined, 60_000);
const released = new Promise<void>((resolve) =>
  process.once('SIGUSR2', () => {
    clearInterval(keepAlive);
    resolve();
  }),
);
await import('../../src/app/runtime.ts');
await import('../../src/config/config.ts');
await import('../../src/platform/logger.ts');
process.stdout.write('crash-points gate: ready\n');
await released;
