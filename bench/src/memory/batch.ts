import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cpuSecondsOf,
  memoryOf,
  sampleMemory,
  startEmulators,
  startServer,
  stopChild,
  type Server,
} from '../tenants/processes.ts';
import { pool } from '../scale/world.ts';
import { configureRouting, connectTenants, countIn } from '../tenants/connect.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds the server has used so far (it runs while measured). */
const cpuOf = (pid: number) => cpuSecondsOf(pid) ?? NaN;

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export type BatchPhase = 'idle' | 'connected' | 'started' | 'ended';

export type BatchResult = {
  tenants: number;
  nodeFlags: string[];
  completed: number;
  failed: number;
  memoryMb: {
    /** VmHWM of the first start (a new data directory: PGlite runs initdb), up to /readyz. */
    firstStartPeak: number;
    /** VmHWM right after /readyz of the start measured (a restart over the same data directory). */
    startupPeak: number;
    /** VmRSS after start-up settled (5 s, settings saved). */
    idle: number;
    /** Highest VmRSS sampled while the onboardings ran. */
    batchMax: number;
    /** VmRSS when the last onboarding ended. */
    atEnd: number;
    /** VmHWM over the whole run. */
    peak: number;
  };
  batch: { wallSeconds: number; serverCpuSeconds: number; startupCpuSeconds: number };
  load: { start: number[]; end: number[] };
};

/**
 * One server process as `npm start` runs it (`node <nodeFlags> apps/server/src/main.ts all`, PGlite in a fresh
 * data directory) with the emulators in another: `tenants` services connected, then all of their onboardings
 * started at once (no throttling). Measures the server's memory (start-up peak, idle, during the batch, peak) and
 * the batch's wall time (first POST /routing to the last run's end) and the server's CPU for it.
 */
export async function onboardingBatch(options: {
  tenants: number;
  nodeFlags: string[];
  progress?: (what: string) => void;
  /**
   * Called (and awaited) with the measured server's pid at each phase: idle (settings saved), connected (before
   * the first POST /routing), started (every POST answered; not awaited, the batch runs on), ended (every run
   * ended, before the server stops). The heap-snapshot tool (heap.ts) takes its snapshots here; the time spent in
   * it counts in the batch's wall time and CPU.
   */
  onPhase?: (phase: BatchPhase, pid: number) => Promise<void> | void;
}): Promise<BatchResult> {
  const n = options.tenants;
  const progress = options.progress ?? (() => {});
  const onPhase = options.onPhase ?? (() => {});
  const { child: emuChild, world } = await startEmulators(n);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trunkline-bench-memory-'));
  const start = () => startServer(world, { nodeFlags: options.nodeFlags, env: { DATA_DIR: dataDir } });
  let server: Server | undefined;
  try {
    // The first start creates the database (initdb), a one-off; then the start every later `npm start` makes.
    server = await start();
    const firstStartPeak = memoryOf(server.child.pid!)!.peakMb;
    await stopChild(server.child);
    server = await start();
    const s = server;
    const pid = s.child.pid!;
    const startupPeak = memoryOf(pid)!.peakMb;
    const startupCpuSeconds = cpuOf(pid);
    await configureRouting(s, world);
    await sleep(5_000);
    const idle = memoryOf(pid)!.rssMb;
    await onPhase('idle', pid);
    progress(`idle RSS ${idle} MB, start-up peak ${startupPeak} MB; connecting ${n} tenants`);
    const names = Array.from({ length: n }, (_, i) => `t${i + 1}`);
    const { ids } = await connectTenants(s, names);
    progress(`connected; starting ${n} onboardings`);
    await onPhase('connected', pid);

    const load = os.loadavg();
    const memory = sampleMemory({ server: pid }, 200);
    const cpu0 = cpuOf(pid);
    const t0 = Date.now();
    await pool(ids, 32, (id) => s.call('POST', `/api/v1/services/${id}/routing`, { configureDns: true }));
    void onPhase('started', pid);
    for (let until = Date.now() + 3_600_000; ; await sleep(500)) {
      const [active, failed] = [await countIn(s, 'active'), await countIn(s, 'routing-failed')];
      if (active + failed >= n) break;
      if (Date.now() > until) throw new Error('the onboardings did not finish within an hour');
    }
    const cpu = cpuOf(pid) - cpu0;
    const atEnd = memoryOf(pid)!.rssMb;
    const mem = memory.stop();
    await onPhase('ended', pid);
    const runs = await pool(ids, 8, (id) =>
      s.call<{ status: string; finishedAt: string | null }>('GET', `/api/v1/services/${id}/routing`),
    );
    const succeeded = runs.filter((r) => r.status === 'succeeded');
    const lastEnd = Math.max(...succeeded.map((r) => Date.parse(r.finishedAt!)));
    return {
      tenants: n,
      nodeFlags: options.nodeFlags,
      completed: succeeded.length,
      failed: runs.length - succeeded.length,
      memoryMb: {
        firstStartPeak,
        startupPeak,
        idle,
        batchMax: mem.maxSampledRssMb.server ?? 0,
        atEnd,
        peak: mem.peakRssMb.server ?? 0,
      },
      batch: {
        wallSeconds: round((lastEnd - t0) / 1000, 2),
        serverCpuSeconds: round(cpu, 2),
        startupCpuSeconds: round(startupCpuSeconds, 2),
      },
      load: { start: load.map((l) => round(l, 2)), end: os.loadavg().map((l) => round(l, 2)) },
    };
  } finally {
    if (server) await stopChild(server.child);
    await stopChild(emuChild);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Experiments: node bench/src/memory/batch.ts <tenants> [node flags…] (npm start's environment: MALLOC_ARENA_MAX=2
// unless set)
if (import.meta.main) {
  const [tenants, ...flags] = process.argv.slice(2);
  const r = await onboardingBatch({
    tenants: Number(tenants ?? 20),
    nodeFlags: flags,
    progress: (w) => process.stderr.write(`[memory] ${w}\n`),
  });
  console.log(JSON.stringify(r));
}
