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
    /** The kind of object the route's `:id` names, for the access tests that walk every route. */
    resource?: 'channel' | 'customer' | 'user' | 'api-token' | 'service' | 'invitation';
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Resolves the actor from a Bearer API token or the session cookie. Cookie-authenticated writes must come
 * from the portal's own origin (Sec-Fetch-Site: same-origin, or an Origin equal to PUBLIC_URL's);
 * Bearer requests are exempt because browsers never attach them on their own.
 */
export function installAuthentication(app: FastifyInstance, auth: AuthService, publicUrl: string) {
  const publicOrigin = new URL(publicUrl).origin;
  app.decorateRequest('actor', null);

  const crossSite = (request: FastifyRequest) => {
    const site = request.headers['sec-fetch-site'];
    if (site === 'same-origin') return false;
    const origin = request.headers.origin;
    return origin !== publicOrigin;
  };

  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    if (header?.toLowerCase().startsWith('bearer ')) {
      request.actor = await auth.authenticateApiToken(header.slice(7).trim(), request.ip);
      if (!request.actor) throw new AppError('unauthenticated', 'The API token is not valid.');
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) {
      const found = await auth.authenticateSession(cookie, request.ip);
      if (found) {
        request.actor = found.actor;
        if (UNSAFE.has(request.method) && crossSite(request))
          throw new AppError('csrf_rejected', 'This change must come from the Trunkline portal itself.');
        setSessionCookie(reply, cookie, found.expiresAt, publicUrl);
      }
    } else if (UNSAFE.has(request.method) && request.headers.origin && crossSite(request)) {
      // A cross-site form posting to the API (for example to sign a victim in) is refused outright.
      throw new AppError('csrf_rejected', 'This request must come from the Trunkline portal itself.');
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
