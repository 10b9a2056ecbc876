import type { QueryClient } from '@tanstack/react-query';
import type { LoginBody, Me } from '@trunkline/contracts';
import { api, ApiError, request, setUnauthorizedHandler } from '../api/client.ts';

export const meKey = ['me'] as const;

/**
 * The signed-in user, or null when nobody is signed in: the server answers 200 `null` then (an ordinary answer,
 * not a failed request). An older server's 401 means the same.
 */
export const fetchMe = () =>
  request<Me | null>('GET', '/me', { redirectOn401: false }).then(
    (me) => me ?? null,
    (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    },
  );

/** The login call answers 401 for wrong credentials, which is an error to show, not an expired session. */
export const login = (body: LoginBody) => request<Me>('POST', '/session', { body, redirectOn401: false });

export const logout = () => api.delete('/session');

/** Drops everything cached for the signed-in user; the public system info stays. */
export function forgetSession(queryClient: QueryClient): void {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'system' });
}

export const loginPath = '/login';

/** The login page, remembering the page to come back to. */
export const loginUrl = (pathname: string, search: string) =>
  `${loginPath}?next=${encodeURIComponent(pathname + search)}`;

/** The page to return to after login: only a local path, never another origin (`//host`, `/\\host`). */
export function safeNext(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\') || next.startsWith(loginPath))
    return '/';
  return next;
}

/** On any 401 the session is gone: send the user to the login page, remembering where they were. */
export function redirectToLoginOn401(
  queryClient: QueryClient,
  navigate: (to: string) => Promise<void>,
): void {
  let redirecting = false;
  setUnauthorizedHandler(() => {
    const { pathname, search } = window.location;
    if (redirecting || pathname === loginPath) return;
    redirecting = true;
    void navigate(loginUrl(pathname, search)).finally(() => {
      forgetSession(queryClient);
      redirecting = false;
    });
  });
}
