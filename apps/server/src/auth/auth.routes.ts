import { z } from 'zod';
import {
  ApiTokenCreateSchema,
  ApiTokenCreatedSchema,
  ApiTokenListSchema,
  IdParamsSchema,
  LoginBodySchema,
  MicrosoftSignInStartSchema,
  MeSchema,
  ProblemSchema,
  SignInChallengeSchema,
} from '@trunkline/contracts';
import { actorOf, clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../http/auth.ts';
import { NoContent, problems, type App } from '../http/types.ts';
import { AuthorizationCodeCallbackQuery } from '../microsoft/callback-query.ts';
import { AppError } from '../platform/errors.ts';
import { meOf, type AuthService } from './auth.service.ts';
import { MICROSOFT_SIGN_IN_CALLBACK_PATH, type MicrosoftSignInService } from './microsoft-sign-in.service.ts';
import { registerTwoFactorRoutes } from './two-factor.routes.ts';

export function registerAuthRoutes(
  app: App,
  {
    auth,
    microsoftSignIn,
    publicUrl,
  }: { auth: AuthService; microsoftSignIn: MicrosoftSignInService; publicUrl: string },
) {
  app.post(
    '/api/v1/session',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign in with e-mail and password; sets the session cookie',
        description:
          'With two-factor sign-in (or when the provider requires it for the role) a correct password answers 202 with a short-lived challenge for POST /api/v1/session/two-factor instead of a session.',
        body: LoginBodySchema,
        response: {
          200: MeSchema,
          202: SignInChallengeSchema,
          401: ProblemSchema,
          422: ProblemSchema,
          429: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await auth.login(request.body, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      if ('challenge' in result) return reply.status(202).send(result.challenge);
      setSessionCookie(reply, result.token, result.expiresAt, publicUrl);
      return result.me;
    },
  );

  app.post(
    '/api/v1/session/microsoft',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign in with Microsoft: where to send the browser for this work e-mail',
        description:
          "For customer admins whose service grants them admin access: the e-mail's domain names the Microsoft tenant.",
        body: MicrosoftSignInStartSchema,
        response: {
          200: z.object({ redirectUrl: z.url() }),
          409: ProblemSchema,
          422: ProblemSchema,
          502: ProblemSchema,
        },
      },
    },
    async (request) => microsoftSignIn.start(request.body.email),
  );

  app.get(
    MICROSOFT_SIGN_IN_CALLBACK_PATH,
    {
      config: { auth: 'public' },
      schema: {
        tags: ['session'],
        summary: "Microsoft's redirect after sign-in: validates the ID token, sets the session cookie",
        security: [],
        querystring: AuthorizationCodeCallbackQuery,
      },
    },
    async (request, reply) => {
      const url = new URL(request.url, publicUrl);
      const result = await microsoftSignIn.complete(url, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      if (!result.ok) return reply.redirect(`/login?error=${encodeURIComponent(result.message)}`, 302);
      setSessionCookie(reply, result.token, result.expiresAt, publicUrl);
      return reply.redirect('/services', 302);
    },
  );

  app.delete(
    '/api/v1/session',
    { schema: { tags: ['session'], summary: 'Sign out', response: { 204: NoContent, 401: ProblemSchema } } },
    async (request, reply) => {
      await auth.logout(actorOf(request), request.cookies[SESSION_COOKIE]);
      clearSessionCookie(reply, publicUrl);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/me',
    {
      // Signed out is an ordinary answer here (the login page asks), not an error: 200 with null.
      config: { auth: 'public' },
      schema: {
        tags: ['session'],
        summary: 'The signed-in user, or null when signed out',
        description:
          'Without any credential the answer is 200 null (the login page asks); a session or token that no longer works answers 401.',
        response: { 200: MeSchema.nullable(), 401: ProblemSchema },
      },
    },
    async (request, reply) => {
      if (request.actor) return meOf(request.actor);
      // A credential that no longer works (an ended session, a revoked token) is still 401, so the client learns
      // that it ended; the dead cookie is dropped, so the next question is answered with null.
      if (request.headers.authorization || request.cookies[SESSION_COOKIE]) {
        clearSessionCookie(reply, publicUrl);
        throw new AppError('unauthenticated', 'The session has ended: sign in again.');
      }
      return null;
    },
  );

  app.get(
    '/api/v1/api-tokens',
    {
      schema: {
        tags: ['api-tokens'],
        summary: 'Your API tokens (never their values)',
        response: { 200: ApiTokenListSchema, 401: ProblemSchema },
      },
    },
    async (request) => ({ items: await auth.listApiTokens(actorOf(request)) }),
  );

  app.post(
    '/api/v1/api-tokens',
    {
      schema: {
        tags: ['api-tokens'],
        summary: 'Create an API token for scripts; the token is shown in this response only',
        body: ApiTokenCreateSchema,
        response: { 201: ApiTokenCreatedSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await auth.createApiToken(actorOf(request), request.body)),
  );

  app.delete(
    '/api/v1/api-tokens/:id',
    {
      schema: {
        tags: ['api-tokens'],
        summary: 'Revoke an API token',
        params: IdParamsSchema,
        response: { 204: NoContent, ...problems },
      },
    },
    async (request, reply) => {
      await auth.revokeApiToken(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  registerTwoFactorRoutes(app, { auth, publicUrl });
}
