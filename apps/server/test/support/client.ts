import { ProblemSchema, type Problem } from '@trunkline/contracts';
import { z } from 'zod';

export type Response<T = unknown> = { status: number; headers: Headers; body: T; text: string };

/**
 * A small HTTP client over real fetch with a cookie jar, as a browser on the portal's origin would be:
 * cookie-authenticated writes carry the Origin header of PUBLIC_URL.
 */
export class Client {
  readonly baseUrl: string;
  readonly origin: string | null;
  cookie: string | null = null;
  bearer: string | null = null;

  constructor(baseUrl: string, origin: string | null) {
    this.baseUrl = baseUrl;
    this.origin = origin;
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response<T>> {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-type'] ??= 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    if (this.origin && !('origin' in h)) h.origin = this.origin;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      redirect: 'manual',
    });
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair] = c.split(';');
      if (pair?.startsWith('trunkline_session='))
        this.cookie = /expires=Thu, 01 Jan 1970/i.test(c) || pair === 'trunkline_session=' ? null : pair;
    }
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get = <T = any>(path: string) => this.request<T>('GET', path);
  post = <T = any>(path: string, body?: unknown) => this.request<T>('POST', path, body);
  patch = <T = any>(path: string, body?: unknown) => this.request<T>('PATCH', path, body);
  put = <T = any>(path: string, body?: unknown) => this.request<T>('PUT', path, body);
  delete = <T = any>(path: string) => this.request<T>('DELETE', path);

  async login(email: string, password: string) {
    const res = await this.post('/api/v1/session', { email, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
    return res;
  }
}

/** Fails the test with the response text when the status is not the expected one. */
export function expectStatus<T>(res: Response<T>, status: number): T {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  return res.body;
}

/**
 * The body of a response with the expected status, parsed by its contracts schema, so a test reads a typed body
 * and fails when the server answers something the contract does not describe:
 *
 *   const me = expectBody(await admin.get('/api/v1/session'), 200, MeSchema);
 */
export function expectBody<S extends z.ZodType>(
  res: Response<unknown>,
  status: number,
  schema: S,
): z.output<S> {
  expectStatus(res, status);
  const parsed = schema.safeParse(res.body);
  if (!parsed.success)
    throw new Error(
      `the ${status} body does not match its contract:\n${z.prettifyError(parsed.error)}\n${res.text}`,
    );
  return parsed.data;
}

/** An RFC 9457 problem+json answer with the expected status (and stable code, when given). */
export function expectProblem(res: Response<unknown>, status: number, code?: Problem['code']): Problem {
  const problem = expectBody(res, status, ProblemSchema);
  if (!(res.headers.get('content-type') ?? '').startsWith('application/problem+json'))
    throw new Error(`expected application/problem+json, got ${res.headers.get('content-type')}`);
  if (code !== undefined && problem.code !== code)
    throw new Error(`expected code ${code}, got ${problem.code}: ${res.text}`);
  return problem;
}
