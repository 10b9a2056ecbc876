/**
 * The bench's request timings: samples of one operation run again and again, and their percentiles. Pure but for
 * the clock.
 */

/** The p-th percentile of `xs` by nearest rank (p in 1..100); NaN when there are none. */
export const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

/** Milliseconds to a tenth. */
export const roundMs = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Milliseconds of each of `runs` calls of `fn`, one after another, after `warmup` calls that are not timed (caches,
 * plans, connections).
 */
export async function sampleMs(
  fn: () => Promise<unknown>,
  { runs, warmup }: { runs: number; warmup: number },
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}
