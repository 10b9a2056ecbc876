import { randomUUID } from 'node:crypto';

/**
 * Pacing by what Microsoft said. Graph and the Teams admin API throttle per app per tenant (and per app across
 * all tenants); a 429/503 carries `Retry-After`. A job must not sleep through a long wait in its worker slot:
 * the clients wait in the job only for a tiny Retry-After (≤ `IN_JOB_WAIT_SECONDS`), otherwise they throw an error
 * carrying `retryAfterSeconds`, and the routing runner reschedules the step as a delayed job at that time.
 *
 * The gate remembers, per app and tenant, "not before" times Microsoft gave, so later calls of the same process
 * to that tenant fail at once (without a request) until then, and other tenants keep moving. When several
 * different tenants of one app are throttled within a short window, Microsoft is limiting the app as a whole: the
 * app's own key is paused too, so every tenant waits. When the 429 says so itself (`x-ms-throttle-scope`, which
 * Graph's identity and access limits send: `Application/…` is the app across tenants), the app is paused at once.
 *
 * The gate lives in memory, one per process (built in the composition root), and tells the other processes what
 * Microsoft said (`share`, over the database's notifications: `learn` on their side). Without that, with two
 * worker processes each learnt a 429 only from its own, and their pauses ended at different moments (the tenants
 * bench, 50 tenants on PostgreSQL with two workers: 90 of 114 429s honoured, 66 of 72 with the shared gate and the
 * other 6 already on their way). A request already past the gate, or sent before the notification arrives, still
 * goes out (docs/BENCHMARKS.md, "500 tenants"). Nothing is stored: a process that starts later asks and is told by
 * Microsoft.
 */

/** A Retry-After up to this long is waited for inside the job; longer ones give the worker slot back. */
export const IN_JOB_WAIT_SECONDS = 1;
/** Throttled tenants of one app within `GLOBAL_WINDOW_MS` that mean the app as a whole is being limited. */
const GLOBAL_TENANTS = 3;
const GLOBAL_WINDOW_MS = 10_000;

export type ThrottleKeys = { tenant: string; app: string };

/** The notification channel the processes' gates tell each other on. */
export const THROTTLE_CHANNEL = 'trunkline_throttle';

/** One answer of Microsoft's to wait, as told to the other processes' gates. */
export type ThrottleDeferral = ThrottleKeys & { seconds: number; scope: string | null };

export type ThrottleGate = {
  /** Seconds (rounded up) until these keys may be called again; 0 when they may now. */
  holdSeconds(keys: ThrottleKeys): number;
  /**
   * Microsoft asked to wait `seconds` for this app and tenant; `scope` is the answer's `x-ms-throttle-scope`
   * (`<Scope>/<Limit>/<app>/<tenant>`), if it had one.
   */
  defer(keys: ThrottleKeys, seconds: number, scope?: string | null): void;
  /** What another process's gate was told (its `share`): held here too, and not shared again. */
  learn(deferral: ThrottleDeferral): void;
  /** How many waits this gate was given so far (`defer` and `learn`): a client that slept asks again if it grew. */
  deferrals(): number;
};

/** A deferral from another process, or null when the payload is not one. */
export function parseDeferral(payload: string): ThrottleDeferral | null {
  try {
    const v = JSON.parse(payload) as Partial<Record<keyof ThrottleDeferral, unknown>>;
    const ok =
      typeof v.tenant === 'string' &&
      typeof v.app === 'string' &&
      typeof v.seconds === 'number' &&
      Number.isFinite(v.seconds) &&
      v.seconds >= 0 &&
      v.seconds <= 3600 &&
      (v.scope === null || typeof v.scope === 'string');
    return ok
      ? {
          tenant: v.tenant as string,
          app: v.app as string,
          seconds: v.seconds as number,
          scope: v.scope as string | null,
        }
      : null;
  } catch {
    return null;
  }
}

export function createThrottleGate({
  now = () => Date.now(),
  share,
}: {
  now?: () => number;
  /** Tells the other processes (called for each `defer`, not for what was learnt). */
  share?: (deferral: ThrottleDeferral) => void;
} = {}): ThrottleGate {
  const notBefore = new Map<string, number>();
  /** Per app: recent throttles as tenant → time. */
  const recent = new Map<string, Map<string, number>>();
  const put = (key: string, until: number) => {
    if ((notBefore.get(key) ?? 0) < until) notBefore.set(key, until);
  };
  let given = 0;
  const hold = ({ tenant, app }: ThrottleKeys, seconds: number, scope?: string | null) => {
    given++;
    const t = now();
    const until = t + Math.max(0, seconds) * 1000;
    put(tenant, until);
    if (scope?.startsWith('Application/')) put(app, until);
    const tenants = recent.get(app) ?? new Map<string, number>();
    tenants.set(tenant, t);
    for (const [k, at] of tenants) if (t - at > GLOBAL_WINDOW_MS) tenants.delete(k);
    recent.set(app, tenants);
    if (tenants.size >= GLOBAL_TENANTS) put(app, until);
  };
  return {
    holdSeconds({ tenant, app }) {
      const t = now();
      let until = 0;
      for (const key of [tenant, app]) {
        const at = notBefore.get(key);
        if (at === undefined) continue;
        if (at <= t) notBefore.delete(key);
        else until = Math.max(until, at);
      }
      return until === 0 ? 0 : Math.ceil((until - t) / 1000);
    },
    defer(keys, seconds, scope) {
      hold(keys, seconds, scope);
      share?.({ tenant: keys.tenant, app: keys.app, seconds, scope: scope ?? null });
    },
    learn({ tenant, app, seconds, scope }) {
      hold({ tenant, app }, seconds, scope);
    },
    deferrals: () => given,
  };
}

/**
 * The process's gate, told what the other processes' gates were told and telling them (`bus`: the change feed's
 * `listen`/`notify`, a notification channel of the database that every process listens on).
 */
export function createSharedThrottleGate(
  bus: {
    listen(channel: string, listener: (payload: string) => void): Promise<void>;
    notify(channel: string, payload: string): void;
  },
  options: { now?: () => number } = {},
): ThrottleGate & { listening: Promise<void> } {
  // The database delivers a process's notifications to itself too: its own are skipped (learnt again a moment
  // later, each would push its wait out by that moment, a whole second with Retry-After's rounding).
  const origin = randomUUID();
  const gate = createThrottleGate({
    ...options,
    share: (deferral) => bus.notify(THROTTLE_CHANNEL, JSON.stringify({ ...deferral, origin })),
  });
  const listening = bus.listen(THROTTLE_CHANNEL, (payload) => {
    const deferral = parseDeferral(payload);
    if (deferral && !isFrom(payload, origin)) gate.learn(deferral);
  });
  return { ...gate, listening };
}

const isFrom = (payload: string, origin: string) => {
  try {
    return (JSON.parse(payload) as { origin?: unknown }).origin === origin;
  } catch {
    return false;
  }
};

/** The claims of an access token that name its app and tenant (read only for pacing; the token is not checked). */
export function throttleKeys(surface: string, token: string): ThrottleKeys {
  let claims: { tid?: unknown; appid?: unknown; azp?: unknown } = {};
  try {
    const part = token.split('.')[1];
    if (part) claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    // Not a JWT: one key for every such token.
  }
  const app = `${surface}:${typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : '-'}`;
  return { app, tenant: `${app}:${typeof claims.tid === 'string' ? claims.tid : '-'}` };
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const n = Number(header);
  if (Number.isFinite(n) && n >= 0) return n;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** How long Microsoft asked to wait, from an error or any error it wraps (`cause`); undefined if it did not. */
export function retryAfterOf(e: unknown): number | undefined {
  for (let x = e, depth = 0; x && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    const s = (x as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof s === 'number' && Number.isFinite(s) && s >= 0) return s;
  }
  return undefined;
}
