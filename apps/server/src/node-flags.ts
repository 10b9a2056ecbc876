/**
 * The V8 flags `npm start` (scripts/start.ts) gives the server process, and the memory bench (bench/src/memory/)
 * with it. docs/BENCHMARKS.md "Memory" (issue #14) has the figures:
 *
 * - `--max-semi-space-size=4`: a young generation of 4 MB semi-spaces instead of V8's default (16 MB and more on a
 *   64-bit machine). With 100 onboardings at once (four runs against six without, alternating, load 7–19 on 2
 *   cores) the server's idle RSS was 289–307 MB instead of 389–419 MB and its highest RSS during the batch
 *   365–491 MB instead of 509–543 MB; batch wall time (median 42 s against 46 s) and server CPU (16.4–20.1 s
 *   against 13.6–22.0 s) did not differ beyond this machine's noise.
 *
 * Not given by default, `--liftoff-only` (WebAssembly with V8's baseline compiler only): it also removes the
 * start-up peak (V8's optimising compiler needs about 600 MB for a few seconds to compile one function of PGlite,
 * PostgreSQL's SQL parser), but costs the server about a quarter more CPU per onboarding (18.5–20.8 s for the
 * same batch, median 15.8 s without). An installation short of memory rather than CPU adds it:
 * `SERVER_NODE_FLAGS="--max-semi-space-size=4 --liftoff-only"`.
 *
 * They are V8 options, which Node reads only from its command line (`--liftoff-only` is refused in NODE_OPTIONS,
 * and `v8.setFlagsFromString` comes too late for either), so the launcher passes them before the script.
 * `SERVER_NODE_FLAGS` replaces them: empty for none, or a space-separated list of your own.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** The flags for the server process: `SERVER_NODE_FLAGS` from `env` when set, else the defaults. */
export function serverNodeFlags(env: Record<string, string | undefined>): string[] {
  const given = env.SERVER_NODE_FLAGS;
  return given === undefined ? [...SERVER_NODE_FLAGS] : given.split(/\s+/).filter(Boolean);
}
