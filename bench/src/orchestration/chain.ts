/**
 * The measured result of one onboarding, as far as the chain needs it (`onboarding.ts` produces it).
 */
export type ChainInput = {
  startedAt: number;
  run: {
    finishedAt?: string | null;
    steps: { name: string; startedAt: string | null; finishedAt: string | null }[];
  };
  calls: { at: string; surface: string; method: string; path: string }[];
};

/**
 * The longest chain of Microsoft calls that happened one after the other, from the emulator's request log (each
 * call's interval: its answer time minus the injected latency) grouped by Trunkline's step records (the step
 * whose start…finish holds the answer). Calls that overlapped (made in parallel) count once. Only calls answered
 * between the measurement's start and the run's end count: the request log is read after the run ended, and by
 * then the health check that follows a run may have made calls of its own.
 */
export function criticalChain(result: ChainInput, latencyMs: number) {
  const stepEnds = result.run.steps.flatMap((s) => (s.finishedAt ? [Date.parse(s.finishedAt)] : []));
  const endOfRun = result.run.finishedAt
    ? Date.parse(result.run.finishedAt)
    : stepEnds.length
      ? Math.max(...stepEnds)
      : Infinity;
  const intervals = result.calls
    .map((c) => ({ ...c, end: Date.parse(c.at) }))
    .filter((c) => c.end >= result.startedAt && c.end <= endOfRun + 1)
    .map((c) => ({ ...c, start: c.end - latencyMs }))
    .sort((a, b) => a.end - b.end);
  const chain: typeof intervals = [];
  let last = -Infinity;
  for (const c of intervals)
    if (c.start >= last - 1) {
      chain.push(c);
      last = c.end;
    }
  const first = Math.min(...result.run.steps.filter((s) => s.startedAt).map((s) => Date.parse(s.startedAt!)));
  const stepOf = (t: number) =>
    (t < first ? '(the start: plan preview, before the first step)' : undefined) ??
    result.run.steps.find(
      (s) => s.startedAt && s.finishedAt && Date.parse(s.startedAt) <= t && t <= Date.parse(s.finishedAt) + 1,
    )?.name ??
    '(between steps)';
  const byStep: { step: string; calls: string[] }[] = [];
  for (const c of chain) {
    const step = stepOf(c.end);
    const entry =
      byStep.at(-1)?.step === step ? byStep.at(-1)! : (byStep.push({ step, calls: [] }), byStep.at(-1)!);
    entry.calls.push(`${c.method} ${c.surface}:${c.path.split('?')[0]}`);
  }
  return {
    calls: chain.length,
    totalCalls: intervals.length,
    boundMs: chain.length * latencyMs,
    chain: byStep,
  };
}
