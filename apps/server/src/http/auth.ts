import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../access/actor.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { AppError } from '../platform/errors.ts';

export const SESSION_COOKIE = 'trunkline_session';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** `public` routes need no actor; every other /api/v1 route answers 401 without one. */
    auth?: 'public';
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Resolves the actor from a Bearer API token or the session cookie.
 *
 * Cross-site request forgery: one rule for every write (POST, PUT, PATCH, DELETE) that is not Bearer-
 * authenticated. A write that carries the session cookie (valid, stale or forged; sign-in and sign-out
 * included) must prove it comes from the portal itself: `Sec-Fetch-Site: same-origin` when the browser sends
 * Fetch Metadata, else an `Origin` equal to PUBLIC_URL's. A write without the cookie is refused as soon as
 * the browser says it is not same-origin (Fetch Metadata or Origin); a script that sends neither header
 * (curl signing in) passes. Bearer requests are exempt: browsers never attach them on their own.
 */
export function installAuthentication(app: FastifyInstance, auth: AuthService, publicUrl: string) {
  const publicOrigin = new URL(publicUrl).origin;
  app.decorateRequest('actor', null);

  /** `true` for the portal, `false` for another site, `null` when the request names no origin at all. */
  const fromPortal = (request: FastifyRequest): boolean | null => {
    const site = request.headers['sec-fetch-site'];
    // Fetch Metadata cannot be set by a page; when present it decides, whatever Origin says.
    if (site !== undefined) return site === 'same-origin';
    const origin = request.headers.origin;
    if (origin === undefined) return null;
    return origin === publicOrigin;
  };

  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    if (header?.toLowerCase().startsWith('bearer ')) {
      request.actor = await auth.authenticateApiToken(header.slice(7).trim(), request.ip);
      if (!request.actor) throw new AppError('unauthenticated', 'The API token is not valid.');
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (UNSAFE.has(request.method)) {
      const portal = fromPortal(request);
      if (portal === false || (cookie !== undefined && portal !== true))
        throw new AppError('csrf_rejected', 'This request must come from the Trunkline portal itself.');
    }
    if (cookie) {
      const found = await auth.authenticateSession(cookie, request.ip);
      if (found) {
        request.actor = found.actor;
        setSessionCookie(reply, cookie, found.expiresAt, publicUrl);
      }
    }
    // The versioned API needs an actor unless a route says otherwise; the web app and the docs are public.
    if (!request.actor && request.url.startsWith('/api/v1/') && request.routeOptions.config.auth !== 'public')
      throw new AppError('unauthenticated', 'Sign in first.');
  });
}

export function setSessionCookie(reply: FastifyReply, token: string, expires: Date, publicUrl: string) {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: publicUrl.startsWith('https://'),
    path: '/',
    expires,
  });
}

export function clearSessionCookie(reply: FastifyReply, publicUrl: string) {
  reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: publicUrl.startsWith('https://'),
  });
}

/** The actor of an authenticated route (the preHandler has already answered 401 without one). */
export const actorOf = (request: FastifyRequest): Actor => {
  if (!request.actor) throw new AppError('unauthenticated', 'Sign in first.');
  return request.actor;
};
