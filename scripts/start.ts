/**
 * `npm start`: the launcher. Without production configuration it starts the bundled emulators on loopback
 * and points the server at them through ordinary configuration; with it, it starts the server alone. It
 * builds the web app when its build is missing or older than its sources, and prints what runs where.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverEnv, serverNodeFlags } from '../apps/server/src/node-flags.ts';
import { startSandbox } from './sandbox.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const viteBin = path.join(
  path.dirname(createRequire(path.join(root, 'apps/web/package.json')).resolve('vite/package.json')),
  'bin/vite.js',
);
const env: Record<string, string | undefined> = { ...process.env };

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'dist-types') continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function ensureWebBuilt() {
  const index = path.join(root, 'apps/web/dist/index.html');
  const sources = Math.max(
    newestMtime(path.join(root, 'apps/web')),
    newestMtime(path.join(root, 'packages/contracts/src')),
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  console.log('Building the web app (apps/web) …');
  const result = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], {
    cwd: path.join(root, 'apps/web'),
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

ensureWebBuilt();

const port = env.PORT ?? '8080';
const publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`;
const sandbox = await startSandbox(env);
Object.assign(env, sandbox.env);

// The server process's V8 flags and allocator setting (apps/server/src/node-flags.ts; SERVER_NODE_FLAGS replaces the
// flags, e.g. with the low-memory choice, which can only be given on the command line).
const nodeFlags = serverNodeFlags(env);
const server = spawn(process.execPath, [...nodeFlags, path.join(root, 'apps/server/src/main.ts'), 'all'], {
  env: { ...env, ...serverEnv(env) },
  stdio: 'inherit',
});

const lines = [
  '',
  'Trunkline is starting:',
  `  portal       ${publicUrl}`,
  `  API docs     ${publicUrl}/api/docs`,
  `  database     ${env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${path.resolve(env.DATA_DIR ?? './data')}`}`,
  ...sandbox.describe,
  '',
];
console.log(lines.join('\n'));

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  await sandbox.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
server.on('exit', (code) => void stop(code ?? 0));
