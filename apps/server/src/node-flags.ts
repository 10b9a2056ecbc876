/**
 * The V8 flags `npm start` (scripts/start.ts) gives the server process, and the memory bench (bench/src/memory/)
 * with it; docs/BENCHMARKS.md "Memory" (issue #14) has the figures. None by default: every flag that lowers the
 * process's memory was measured to slow a batch of concurrent onboardings.
 *
 * - `--max-semi-space-size=4` (a young generation of 4 MB semi-spaces instead of V8's 16 MB or more): idle RSS
 *   about 300 MB instead of 390–420 MB and 60–190 MB less during a batch, but at 200 onboardings at once the
 *   server's CPU was 12 % and 35 % higher in two alternating pairs (at 100, within the noise).
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
