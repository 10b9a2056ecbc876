import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Three tiers (CODE_STYLE.md, "Tests"):
// - unit:        pure logic, no server, database, network or child process. `*.unit.test.ts` anywhere, plus every
//                test inside `packages/*/src` (packages are pure). Runs in seconds.
// - integration: real server over real HTTP on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL),
//                emulators over their real protocols. `apps/server/test/**`, `emulators/*/test/**`, `scripts/*.test.ts`.
// - system:      multi-process, restarts, BIND9 (`npm run test:system`).
const UNIT = '**/*.unit.test.ts';
/** Pure tests written before the convention (to be renamed *.unit.test.ts by their owners). */
const UNIT_LEGACY = ['apps/server/test/config.test.ts', 'apps/server/test/platform.test.ts'];

export default defineConfig({
  test: {
    // Integration files spend most of their time waiting (pg-boss polling, retry delays, HTTP between the server and
    // the emulators): their CPU time is about a third of their wall time. So one worker per core, and at least four;
    // Vitest's default (cores - 1) ran them one by one on a 2-core machine. Measured on 2 cores: 1 worker 240 s,
    // 2 workers 113 s, 4 workers 77 s for the unit and integration projects.
    maxWorkers: Math.max(4, availableParallelism()),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', UNIT, ...UNIT_LEGACY],
          exclude: ['**/node_modules/**'],
          // Pure modules only, so files can share a worker's module cache.
          isolate: false,
          // scrypt and long fast-check runs take well under a second, but a shared 2-core machine may be busy.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['apps/server/test/**/*.test.ts', 'emulators/*/test/**/*.test.ts', 'scripts/*.test.ts'],
          exclude: ['apps/server/test/system/**', UNIT, ...UNIT_LEGACY, '**/node_modules/**'],
          // Builds the migrated template database each file copies (apps/server/test/support/database.ts).
          globalSetup: ['apps/server/test/support/global-setup.ts'],
          // A worker loads the server's modules once for all its files instead of once per file (a quarter of the
          // CPU time of a run). Safe because every file builds its own runtime, database and emulators through
          // factories; nothing in src or the emulators keeps module-level state between them.
          isolate: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'system',
          include: ['apps/server/test/system/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
