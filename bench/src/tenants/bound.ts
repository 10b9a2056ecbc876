import type { RateLimit } from '@trunkline/emulator-m365';

/**
 * The lower bound on the wall time of `n` onboardings that Microsoft's throttling allows, and the count of 429s
 * whose Retry-After was honoured. Pure: from the limits, the units one onboarding charged to each limit (the
 * emulator's own count, `GET /_control/rate-limits` `charged`, over an onboarding run alone) and the request log.
 */

/** A limit's bucket key prefix as the emulator names it: `<surface>/<Scope>/<Limit>`. */
export const limitKey = (l: Pick<RateLimit, 'surface' | 'scope' | 'limit'>) =>
  `${l.surface}/${l.scope}/${l.limit}`;

/**
 * Units one onboarding charges to each limit, from the `charged` map of a run of one onboarding (keys
 * `<surface>/<Scope>/<Limit>/<appId>/<tenantId>`): per limit, the largest of its keys (one tenant, one app).
 */
export function unitsPerOnboarding(charged: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, units] of Object.entries(charged)) {
    const limit = key.split('/').slice(0, 3).join('/');
    out[limit] = Math.max(out[limit] ?? 0, units);
  }
  return out;
}

/**
 * Per limit: the seconds `n` onboardings (each charging `units[limit]`) need at least under it. A bucket starts
 * full (`quota`) and refills `quota / windowSeconds` a second, so `U` units take at least `(U − quota) / rate`.
 * Limits per app across tenants see all `n` onboardings; per app and tenant, or per tenant, one. The bound is
 * the largest (each is a lower bound on its own; together they may need more).
 */
export function throttlingBound(limits: RateLimit[], units: Record<string, number>, n: number) {
  const perLimit = limits.map((l) => {
    const u = (units[limitKey(l)] ?? 0) * (l.scope === 'Application' ? n : 1);
    const rate = l.quota / l.windowSeconds;
    return {
      limit: limitKey(l),
      quota: l.quota,
      windowSeconds: l.windowSeconds,
      units: u,
      seconds: Math.max(0, (u - l.quota) / rate),
    };
  });
  const binding = perLimit.reduce((a, b) => (b.seconds > a.seconds ? b : a), perLimit[0]!);
  return { seconds: binding?.seconds ?? 0, binding: binding?.limit ?? null, perLimit };
}

export type LoggedCall = {
  at: string;
  surface: string;
  method: string;
  path: string;
  status: number;
  tenantId?: string;
  retryAfter?: number;
  throttleScope?: string;
};

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * 429s answered by the rate limits, and how many were honoured: no request in the 429's scope (its surface;
 * its tenant unless the scope is the whole app; only writes when a write limit answered it) reached Microsoft
 * before its Retry-After had elapsed. A request logged within `graceMs` of the 429 is counted apart (`inFlight`):
 * it may have been sent before the 429 arrived. Each early request is counted once, against the first 429 it broke.
 */
export function honouredRetryAfter(log: LoggedCall[], graceMs = 50) {
  const calls = log
    .map((c) => ({ ...c, t: Date.parse(c.at) }))
    .filter((c) => c.surface === 'graph' || c.surface === 'teams')
    .sort((a, b) => a.t - b.t);
  const throttles = calls.flatMap((c, i) =>
    c.status === 429 && c.throttleScope && c.retryAfter !== undefined ? [i] : [],
  );
  let honoured = 0;
  let inFlightOnly = 0;
  const early = new Set<number>();
  const inFlight = new Set<number>();
  /** Per early request: ms after the 429 it broke. */
  const earlyAfterMs = new Map<number, number>();
  for (const at of throttles) {
    const th = calls[at]!;
    const [scope, limit] = th.throttleScope!.split('/');
    const until = th.t + th.retryAfter! * 1000;
    let broken = false;
    let flying = false;
    for (let i = at + 1; i < calls.length && calls[i]!.t < until; i++) {
      const c = calls[i]!;
      if (c.surface !== th.surface) continue;
      if (scope !== 'Application' && c.tenantId !== th.tenantId) continue;
      if (limit === 'Write' && !WRITES.has(c.method)) continue;
      if (c.t - th.t <= graceMs) {
        flying = true;
        if (!early.has(i)) inFlight.add(i);
      } else {
        broken = true;
        if (!inFlight.has(i) && !early.has(i)) {
          early.add(i);
          earlyAfterMs.set(i, c.t - th.t);
        }
      }
    }
    if (!broken) honoured++;
    if (!broken && flying) inFlightOnly++;
  }
  return {
    received: throttles.length,
    honoured,
    /** Of the honoured: those with only requests logged within `graceMs` of the 429 (already on their way). */
    honouredWithInFlight: inFlightOnly,
    /** Requests that reached Microsoft before a Retry-After in their scope had elapsed. */
    earlyRequests: early.size,
    /**
     * How long after the 429 the early requests came (ms; p50, p90, max): a few hundred ms under load points at
     * requests already past the pacing when the 429 was read, seconds at requests sent too early.
     */
    earlyAfterMs: quantiles([...earlyAfterMs.values()]),
    inFlightRequests: inFlight.size,
    graceMs,
  };
}

function quantiles(xs: number[]) {
  if (!xs.length) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { p50: at(0.5), p90: at(0.9), max: sorted.at(-1)! };
}
