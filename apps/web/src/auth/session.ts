import type { QueryClient } from '@tanstack/react-query';
import type { LoginBody, Me } from '@trunkline/contracts';
import { api, request, setUnauthorizedHandler } from '../api/client.ts';

export const meKey = ['me'] as const;

export const fetchMe = () => api.get<Me>('/me');

/** The login call answers 401 for wrong credentials, which is an error to show, not an expired session. */
export const login = (body: LoginBody) => request<Me>('POST', '/session', { body, redirectOn401: false });

export const logout = () => api.delete('/session');

/** Drops everything cached for the signed-in user; the public system info stays. */
export function forgetSession(queryClient: QueryClient): void {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'system' });
}

export const loginPath = '/login';

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
    const next = encodeURIComponent(pathname + search);
    void navigate(`${loginPath}?next=${next}`).finally(() => {
      forgetSession(queryClient);
      redirecting = false;
    });
  });
}
