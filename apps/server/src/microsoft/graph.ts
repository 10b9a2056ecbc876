/**
 * The port to Microsoft Graph: JSON over HTTPS with a bearer token. Throttling (429/503 with Retry-After) is
 * retried a few times within a bounded wait; every other error becomes a GraphError carrying Graph's own
 * `code` and message.
 */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'GraphError';
    this.status = status;
    this.code = code;
  }
  /** Worth trying again soon (the port errors' one rule): throttled or Microsoft failing. */
  get transient(): boolean {
    return this.status === 429 || this.status >= 500;
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
const MAX_WAIT_MS = 30_000;

export function createGraphClient(
  baseUrl: string,
  options: { sleep?: (ms: number) => Promise<void> } = {},
): GraphClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  async function request<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if ((res.status === 429 || res.status === 503) && attempt < MAX_ATTEMPTS) {
        const seconds = Number(res.headers.get('retry-after') ?? '1');
        await res.body?.cancel();
        await sleep(Math.min(MAX_WAIT_MS, (Number.isFinite(seconds) ? seconds : 1) * 1000));
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
