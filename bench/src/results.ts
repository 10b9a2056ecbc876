import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** The machine a result was measured on: its cores, the load averages at the start and now, the Node version. */
export const machine = (loadAtStart: number[]) => ({
  cpus: os.cpus().length,
  loadAtStart,
  load: os.loadavg(),
  node: process.version,
});

/** Writes `data` (indented JSON) to `bench/results/<name>-<time>.json` and answers the file's path. */
export function writeResult(name: string, data: unknown): string {
  const dir = fileURLToPath(new URL('../results', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
