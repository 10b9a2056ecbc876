import {
  createThrottleGate,
  IN_JOB_WAIT_SECONDS,
  retryAfterSeconds,
  throttleKeys,
  type ThrottleGate,
} from './throttle.ts';

/**
 * The port to Microsoft Graph: JSON over HTTPS with a bearer token. Throttling (429/503) is paced by the
 * `ThrottleGate` (per app and tenant): a Retry-After up to a second is waited for here, a longer one becomes a
 * GraphError with `retryAfterSeconds` at once (the caller gives its worker slot back and comes back then), and
 * calls to a tenant Microsoft asked to wait fail the same way without a request. A read that fails on Microsoft's
 * side (500/502/504) is tried again here a few times (`READ_RETRY_PAUSE_MS`). Every other error becomes a
 * GraphError carrying Graph's own `code` and message.
 */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  /** Throttled (429/503): how long Microsoft asked to wait. */
  readonly retryAfterSeconds: number | undefined;
  constructor(status: number, code: string, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'GraphError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
  /** Worth trying again soon (the port errors' one rule): throttled or Microsoft failing. */
  get transient(): boolean {
    return this.status === 429 || this.status >= 500;
  }
  /** Microsoft refused the access token itself (401: expired, revoked): a new token may succeed. */
  get tokenRejected(): boolean {
    return this.status === 401;
  }
}

export type Organization = {
  id: string;
  displayName: string;
  verifiedDomains: { name: string; isInitial: boolean; isDefault: boolean }[];
};

export type GraphClient = {
  request<T>(token: string, method: string, path: string, body?: unknown): Promise<T>;
  organization(token: string): Promise<Organization>;
};

const MAX_ATTEMPTS = 4;
/**
 * A read Microsoft failed on its side (500, 502, 504) is tried again here after this pause, doubled each time:
 * reads change nothing, and Microsoft's SDKs retry them too. A write is not (it may have gone through): the
 * caller's step reads the state again first.
 */
export const READ_RETRY_PAUSE_MS = 250;
const SERVER_FAILURES = [500, 502, 504];

export function createGraphClient(
  baseUrl: string,
  options: { sleep?: (ms: number) => Promise<void>; gate?: ThrottleGate } = {},
): GraphClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const gate = options.gate ?? createThrottleGate();
  async function request<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
    const keys = throttleKeys('graph', token);
    // The gate is asked before the first attempt, and again whenever it was given a wait since (another request's
    // 429, another process's) while this one slept: that wait holds it too, instead of it going out inside it.
    // Its own 429 it has just slept for. In-job waits are bounded like attempts; past that the slot is given back.
    let asked = -1;
    let gateWaits = 0;
    for (let attempt = 1; ; attempt++) {
      while (gate.deferrals() !== asked) {
        asked = gate.deferrals();
        const hold = gate.holdSeconds(keys);
        if (hold === 0) break;
        if (hold > IN_JOB_WAIT_SECONDS || ++gateWaits > MAX_ATTEMPTS)
          throw new GraphError(
            429,
            'TooManyRequests',
            `Microsoft Graph asked to wait before calling this tenant again (${hold} s left); ${method} ${path} was not sent.`,
            { retryAfterSeconds: hold },
          );
        await sleep(hold * 1000);
      }
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const throttled = res.status === 429 || res.status === 503;
      const wait = throttled ? (retryAfterSeconds(res.headers.get('retry-after')) ?? 1) : 0;
      if (throttled) {
        gate.defer(keys, wait, res.headers.get('x-ms-throttle-scope'));
        asked = gate.deferrals();
      }
      if (throttled && wait <= IN_JOB_WAIT_SECONDS && attempt < MAX_ATTEMPTS) {
        await res.body?.cancel();
        await sleep(wait * 1000);
        continue;
      }
      if (method === 'GET' && SERVER_FAILURES.includes(res.status) && attempt < MAX_ATTEMPTS) {
        await res.body?.cancel();
        await sleep(READ_RETRY_PAUSE_MS * 2 ** (attempt - 1));
        continue;
      }
      const text = await res.text();
      const json = text ? (JSON.parse(text) as unknown) : undefined;
      if (!res.ok) {
        const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
        throw new GraphError(
          res.status,
          err?.code ?? `http_${res.status}`,
          err?.message ?? `Microsoft Graph answered ${res.status}.`,
          throttled ? { retryAfterSeconds: wait } : {},
        );
      }
      return json as T;
    }
  }
  return {
    request,
    async organization(token) {
      const page = await request<{ value: Organization[] }>(token, 'GET', '/organization');
      const org = page.value[0];
      if (!org)
        throw new GraphError(404, 'Request_ResourceNotFound', 'The tenant has no organization object.');
      return org;
    },
  };
}
