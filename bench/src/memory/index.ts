import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { LOW_MEMORY_NODE_FLAGS, serverNodeFlags } from '../../../apps/server/src/node-flags.ts';
import { onboardingBatch, type BatchResult } from './batch.ts';

/**
 * Issue #14's memory goal (docs/BENCHMARKS.md "Memory"): one server process as `npm start` runs it (API and
 * workers, PGlite, the V8 flags the launcher passes: `apps/server/src/node-flags.ts`, or `SERVER_NODE_FLAGS`)
 * under 400 MB idle, during a batch of onboardings started at once, and at its peak (VmHWM); the batch's wall
 * time and the server's CPU for it. The first start (which creates the database) is measured apart from the
 * restart the other figures are taken from. Outside `--ci` the same run follows with `LOW_MEMORY_NODE_FLAGS` (the
 * option the README gives memory-bound hosts), for its memory and its CPU cost. Sizes: 100 onboardings by default, 200
 * with `--full`, 10 with `--ci` (npm start's flags only).
 */
export const MEMORY_SIZES = { ci: 10, reduced: 100, full: 200 } as const;
export const GOAL_MB = 400;

const row = (r: BatchResult) => ({
  'first start peak': r.memoryMb.firstStartPeak,
  'restart peak': r.memoryMb.startupPeak,
  idle: r.memoryMb.idle,
  'during batch': r.memoryMb.batchMax,
  'peak (VmHWM)': r.memoryMb.peak,
  'batch wall s': r.batch.wallSeconds,
  'server CPU s': r.batch.serverCpuSeconds,
  active: `${r.completed}/${r.tenants}`,
  load: r.load.start[0],
});

export async function runMemory({ full, ci }: { full: boolean; ci: boolean }): Promise<string[]> {
  const tenants = full ? MEMORY_SIZES.full : ci ? MEMORY_SIZES.ci : MEMORY_SIZES.reduced;
  const startFlags = serverNodeFlags(process.env);
  const configs: Record<string, string[]> = { 'npm start': startFlags };
  if (!ci && startFlags.join(' ') !== LOW_MEMORY_NODE_FLAGS.join(' '))
    configs[`low memory (${LOW_MEMORY_NODE_FLAGS.join(' ')})`] = [...LOW_MEMORY_NODE_FLAGS];
  const t0 = performance.now();
  const results: Record<string, BatchResult> = {};
  for (const [name, nodeFlags] of Object.entries(configs))
    results[name] = await onboardingBatch({
      tenants,
      nodeFlags,
      progress: (what) =>
        process.stderr.write(`[memory ${((performance.now() - t0) / 1000).toFixed(0)} s, ${name}] ${what}\n`),
    });
  console.log(
    `\n## Server memory (MB), ${tenants} onboardings at once (${((performance.now() - t0) / 1000).toFixed(0)} s; npm start's flags: ${startFlags.join(' ') || 'none'})\n`,
  );
  console.table(Object.fromEntries(Object.entries(results).map(([name, r]) => [name, row(r)])));

  const r = results['npm start']!;
  const m = r.memoryMb;
  const misses: string[] = [];
  if (r.completed !== tenants) misses.push(`memory: ${r.completed}/${tenants} onboardings completed`);
  const checks: [string, number][] = [
    ['idle RSS', m.idle],
    [`RSS during ${tenants} onboardings`, m.batchMax],
    ['peak RSS (VmHWM, restart and run)', m.peak],
    ['first-start peak RSS (initdb)', m.firstStartPeak],
  ];
  for (const [what, mb] of checks)
    if (mb >= GOAL_MB) misses.push(`memory: server ${what} ${mb} MB (goal < ${GOAL_MB})`);
  const dir = fileURLToPath(new URL('../../results', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/memory-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ full, ci, cpus: os.cpus().length, node: process.version, results, misses }, null, 2)}\n`,
  );
  console.log(`written ${file}`);
  return misses;
}
