/**
 * The V8 flags and the environment `npm start` (scripts/start.ts) gives the server process, and the memory bench
 * (bench/src/memory/) with it; docs/BENCHMARKS.md "Memory" (issue #14) has the figures.
 *
 * Heap snapshots of the server during 200 concurrent onboardings hold 50–62 MB of live JavaScript; the rest of its
 * 530–650 MB is what V8 keeps committed (a young generation of two 64 MB semi-spaces on this kind of host, an old
 * generation that grows to about 180 MB before its first full collection), PGlite's WebAssembly memory, the node
 * binary and glibc's allocator, which keeps a 64 MB arena per thread of V8's compilers and collectors.
 *
 * - `MALLOC_ARENA_MAX=2` (environment, `serverEnv`, the default): glibc keeps at most two arenas, so what V8's
 *   threads free is reused instead of held per thread: 40–70 MB less during 200 onboardings, no CPU cost
 *   measured.
 * - No V8 flag by default: every flag that lowers the process's memory was measured to slow a batch of 200
 *   concurrent onboardings. `--max-semi-space-size=16 --heap-growing-percent=50` (a young generation of 32 MB, the
 *   old generation grows by half its live size between full collections) keeps the process at 370–390 MB during
 *   the batch with `MALLOC_ARENA_MAX=2`, but costs about 22 % more server CPU and 40 % more wall time;
 *   `--max-semi-space-size=16 --max-old-space-size=256` (a hard limit, which stops a process whose live heap
 *   outgrows it) 35–50 % more CPU; `--max-semi-space-size=4` 12–35 %.
 * - `--liftoff-only` (WebAssembly with V8's baseline compiler only): removes the start-up peak (V8's optimising
 *   compiler needs about 600 MB for a few seconds to compile one function of PGlite, PostgreSQL's SQL parser), but
 *   costs the server about 30 % more CPU per onboarding.
 *
 * An installation short of memory rather than CPU sets `SERVER_NODE_FLAGS` to `LOW_MEMORY_NODE_FLAGS`. They are
 * V8 options, which Node reads only from its command line (`--liftoff-only` is refused in NODE_OPTIONS, and
 * `v8.setFlagsFromString` comes too late for either), so the launcher passes them before the script.
 */
export const SERVER_NODE_FLAGS: readonly string[] = [];

/** The memory-bound choice (README, "SERVER_NODE_FLAGS"): about 230 MB idle, no start-up peak; more CPU. */
export const LOW_MEMORY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--liftoff-only'];

/** The flags for the server process: `SERVER_NODE_FLAGS` from `env` (space-separated) when set, else the defaults. */
export function serverNodeFlags(env: Record<string, string | undefined>): string[] {
  const given = env.SERVER_NODE_FLAGS;
  return given === undefined ? [...SERVER_NODE_FLAGS] : given.split(/\s+/).filter(Boolean);
}

/** Variables the launcher adds to the server process's environment: glibc's arena limit, unless `env` sets one. */
export function serverEnv(env: Record<string, string | undefined>): Record<string, string> {
  return { MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2' };
}
