/**
 * `npm run dev`: the server as `npm start` runs it, plus Vite's dev server with hot reload on port 5173
 * (it proxies /api to the server).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const viteBin = path.join(
  path.dirname(createRequire(path.join(root, 'apps/web/package.json')).resolve('vite/package.json')),
  'bin/vite.js',
);
const children = [
  spawn(process.execPath, [path.join(root, 'scripts/start.ts')], { stdio: 'inherit', env: process.env }),
  spawn(process.execPath, [viteBin], {
    cwd: path.join(root, 'apps/web'),
    stdio: 'inherit',
    env: process.env,
  }),
];
console.log('Hot-reloading web app: http://localhost:5173 (API from the server on :8080)');
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
