import { aad, EmulatorError, graphError, type Surface } from './http.ts';

/**
 * Fault storms (`PUT /_control/faults`): what a run looks like when Microsoft is having a bad day, reproducibly.
 *
 * - `errorRate` with `errorStatuses`: that share of matching requests fails with one of the statuses (picked by
 *   the PRNG) in the surface's own error envelope (Graph and the Teams admin API: `{error:{code,message,
 *   innerError:{date,request-id,client-request-id}}}` with `request-id`/`client-request-id` headers; identity:
 *   the AADSTS body). The injected failure happens before the request is handled: nothing was changed.
 * - `burst`: periodic windows (`forSeconds` every `everySeconds`, the first starting `offsetSeconds` after the
 *   PUT) during which every matching request gets 429 with `Retry-After` = the seconds left in the window (or
 *   `retryAfterSeconds`): Microsoft limiting the app for a while.
 * - `tokensIssuedBefore`: access tokens whose `iat` is before this time (ISO, or `now`; whole seconds, as `iat`)
 *   are refused by every resource (Graph, Teams admin API, ARM) with the resource's 401 "Lifetime validation
 *   failed, the token is expired." (a token that lapsed or was revoked mid-run), whatever their `exp`.
 * - `seed`: the PRNG (mulberry32) behind `errorRate`; a PUT with a seed starts its sequence again, so a run with
 *   the same requests in the same order fails the same ones.
 */

export const SERVER_ERROR_STATUSES = [500, 502, 503, 504] as const;
export type ServerErrorStatus = (typeof SERVER_ERROR_STATUSES)[number];

export type Burst = {
  everySeconds: number;
  forSeconds: number;
  offsetSeconds: number;
  /** Fixed Retry-After; default the seconds left in the window. */
  retryAfterSeconds?: number;
  /** When the PUT set it (ms since the epoch). */
  since: number;
};

export type StormFaults = {
  errorStatuses: ServerErrorStatus[];
  seed: number;
  burst: Burst | null;
  /** Seconds since the epoch (compared with `iat`); null: off. */
  tokensIssuedBefore: number | null;
};

export const defaultStorm = (): StormFaults => ({
  errorStatuses: [503],
  seed: 1,
  burst: null,
  tokensIssuedBefore: null,
});

/** mulberry32: a small, fast, seedable PRNG with a full 2^32 period (values in [0, 1)). */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Seconds left in the burst window `now` falls in; undefined outside every window. */
export const burstRetryAfter = (b: Burst, now: number): number | undefined => {
  const elapsed = (now - b.since) / 1000 - b.offsetSeconds;
  if (elapsed < 0) return undefined;
  const into = elapsed % b.everySeconds;
  if (into >= b.forSeconds) return undefined;
  return b.retryAfterSeconds ?? Math.max(1, Math.ceil(b.forSeconds - into));
};

const invalid = (message: string) => new EmulatorError(400, 'invalid', message);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The storm part of a `PUT /faults` body over the current one (absent fields keep their value; `null` turns off). */
export const stormFrom = (o: Record<string, unknown>, current: StormFaults, now: number): StormFaults => {
  const next: StormFaults = {
    errorStatuses: current.errorStatuses,
    seed: current.seed,
    burst: current.burst,
    tokensIssuedBefore: current.tokensIssuedBefore,
  };
  if (o.errorStatuses !== undefined) {
    const s = o.errorStatuses;
    if (
      !Array.isArray(s) ||
      s.length === 0 ||
      !s.every((x) => SERVER_ERROR_STATUSES.includes(x as ServerErrorStatus))
    )
      throw invalid(`errorStatuses must be a non-empty list of ${SERVER_ERROR_STATUSES.join(', ')}`);
    next.errorStatuses = [...(s as ServerErrorStatus[])];
  }
  if (o.seed !== undefined) {
    if (!isNumber(o.seed) || !Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)
      throw invalid('seed must be an integer 0..4294967295');
    next.seed = o.seed;
  }
  if (o.burst !== undefined) {
    const b = o.burst;
    if (b === null) next.burst = null;
    else {
      if (typeof b !== 'object' || Array.isArray(b)) throw invalid('burst must be an object or null');
      const { everySeconds, forSeconds, offsetSeconds = 0, retryAfterSeconds } = b as Record<string, unknown>;
      if (!isNumber(forSeconds) || forSeconds <= 0 || forSeconds > 3600)
        throw invalid('burst.forSeconds must be 0..3600 (more than 0)');
      if (!isNumber(everySeconds) || everySeconds < forSeconds || everySeconds > 86_400)
        throw invalid('burst.everySeconds must be at least burst.forSeconds and at most 86400');
      if (!isNumber(offsetSeconds) || offsetSeconds < 0 || offsetSeconds > 86_400)
        throw invalid('burst.offsetSeconds must be 0..86400');
      if (
        retryAfterSeconds !== undefined &&
        (!isNumber(retryAfterSeconds) || !Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0)
      )
        throw invalid('burst.retryAfterSeconds must be a non-negative integer');
      next.burst = {
        everySeconds,
        forSeconds,
        offsetSeconds,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        since: now,
      };
    }
  }
  if (o.tokensIssuedBefore !== undefined) {
    const t = o.tokensIssuedBefore;
    if (t === null) next.tokensIssuedBefore = null;
    else {
      const at = t === 'now' ? now : typeof t === 'string' ? Date.parse(t) : Number.NaN;
      if (Number.isNaN(at)) throw invalid("tokensIssuedBefore must be an ISO time, 'now' or null");
      next.tokensIssuedBefore = Math.floor(at / 1000);
    }
  }
  return next;
};

/** What the storm answers to a request it fails: the status in the surface's envelope (Retry-After on 429/503). */
export const stormError = (surface: Surface, status: ServerErrorStatus | 429, retryAfter?: number) => {
  const headers = retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : undefined;
  if (surface === 'identity') {
    const e =
      status === 500
        ? aad(
            500,
            'server_error',
            50000,
            'There was an error issuing a token or an issue with our sign-in service.',
          )
        : aad(status, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');
    if (headers) e.headers = headers;
    return e;
  }
  switch (status) {
    case 429:
      return new EmulatorError(
        429,
        'TooManyRequests',
        'Too many requests. Please retry after the time given in the Retry-After header.',
        { ...(headers ? { headers } : {}), extra: { innerCode: '429' } },
      );
    case 500:
      return graphError(500, 'generalException', 'General exception while processing.', headers);
    case 502:
      return graphError(502, 'UnknownError', 'Bad Gateway', headers);
    case 503:
      return graphError(
        503,
        'serviceNotAvailable',
        'The service is temporarily unavailable. Please retry later.',
        headers,
      );
    case 504:
      return graphError(504, 'UnknownError', 'Gateway Timeout', headers);
  }
};
