import type { FieldError, Problem } from '@trunkline/contracts';

/** A failed API call: the server's RFC 9457 problem document, or a stand-in for a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  /** Field path (dotted, e.g. `adminAuth.email`) → message. */
  readonly fieldErrors: Record<string, string>;
  /** Every field error of the problem, several per field included (e.g. each line of an SBC template). */
  readonly errors: FieldError[];

  constructor(
    status: number,
    code: string,
    detail: string,
    fieldErrors: Record<string, string> = {},
    errors: FieldError[] = [],
  ) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
    this.errors = errors;
  }
}

/**
 * The text to show a person for any error a query or mutation may throw. Field errors are sentences of their
 * own ("Type fabrikam to confirm."), so they stand in for a generic detail such as "The body has 1 invalid
 * field(s)", and never carry their field path.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const messages = [...new Set(Object.values(error.fieldErrors))];
    if (error.code === 'validation_failed' && messages.length > 0) return messages.join(' ');
    return error.detail;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

let onUnauthorized: (() => void) | undefined;

/** Registers what happens when any call answers 401 (the app sends the user to the login page). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export type Query = Record<string, string | number | null | undefined>;

export type RequestOptions = {
  query?: Query;
  body?: unknown;
  /** When false, a 401 is only thrown, not treated as an expired session (the login call itself). */
  redirectOn401?: boolean;
};

function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return `/api/v1${path}${search ? `?${search}` : ''}`;
}

function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' && value !== null && 'status' in value && 'code' in value && 'detail' in value
  );
}

async function toApiError(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => undefined);
  if (!isProblem(body)) {
    return new ApiError(
      res.status,
      'internal',
      `The server answered ${res.status} ${res.statusText}.`.trim(),
    );
  }
  const fieldErrors: Record<string, string> = {};
  for (const e of body.errors ?? []) fieldErrors[e.path] ??= e.message;
  return new ApiError(res.status, body.code, body.detail, fieldErrors, body.errors ?? []);
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }

  let res: Response;
  try {
    res = await fetch(buildUrl(path, options.query), init);
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
  }

  if (!res.ok) {
    const error = await toApiError(res);
    if (res.status === 401 && options.redirectOn401 !== false) onUnauthorized?.();
    throw error;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>) =>
    request<T>('POST', path, { ...options, body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: (path: string) => request<void>('DELETE', path),
};
