import {
  ProblemSchema,
  RecoveryCodesSchema,
  type RecoveryCodes,
  TwoFactorChallengeSchema,
  TwoFactorCodeBodySchema,
  TwoFactorEnrolmentSchema,
  TwoFactorSignInSchema,
  TwoFactorSignedInSchema,
  TwoFactorStatusSchema,
} from '@trunkline/contracts';
import type { Actor } from '../access/actor.ts';
import { actorOf, setSessionCookie } from '../http/auth.ts';
import { NoContent, problems, type App } from '../http/types.ts';
import type { AuthService } from './auth.service.ts';

/** The second step of a password sign-in, and each user's own two-factor set-up. */
export function registerTwoFactorRoutes(
  app: App,
  { auth, publicUrl }: { auth: AuthService; publicUrl: string },
) {
  const tags = ['session'];
  app.post(
    '/api/v1/session/two-factor',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Second step of a sign-in: the code of the authenticator app, or a recovery code',
        description:
          'Takes the challenge of POST /api/v1/session. For a challenge that enrols, the first code confirms the new secret and the answer carries the recovery codes (shown once).',
        body: TwoFactorSignInSchema,
        response: {
          200: TwoFactorSignedInSchema,
          401: ProblemSchema,
          422: ProblemSchema,
          429: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const { token, expiresAt, me, recoveryCodes } = await auth.completeSignIn(request.body, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      setSessionCookie(reply, token, expiresAt, publicUrl);
      return recoveryCodes ? { ...me, recoveryCodes } : me;
    },
  );

  app.post(
    '/api/v1/session/two-factor/enrolment',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'For a sign-in that must set up two-factor first: a new secret to scan',
        body: TwoFactorChallengeSchema,
        response: {
          200: TwoFactorEnrolmentSchema,
          401: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request, reply) =>
      reply
        .header('cache-control', 'no-store')
        .send(await auth.startChallengeEnrolment(request.body.challenge)),
  );

  app.get(
    '/api/v1/me/two-factor',
    {
      schema: {
        tags,
        summary: 'Whether your two-factor sign-in is on, and how many recovery codes are left',
        response: { 200: TwoFactorStatusSchema, ...problems },
      },
    },
    async (request) => auth.status(actorOf(request)),
  );

  app.post(
    '/api/v1/me/two-factor/enrolment',
    {
      schema: {
        tags,
        summary: 'Start setting up two-factor sign-in: a new secret and its QR code',
        response: { 200: TwoFactorEnrolmentSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.header('cache-control', 'no-store').send(await auth.startEnrolment(actorOf(request))),
  );

  /** Takes a current code and answers new recovery codes (shown once, so never cached). */
  const recoveryCodesRoute = (
    path: string,
    summary: string,
    issue: (actor: Actor, code: string) => Promise<RecoveryCodes>,
  ) =>
    app.post(
      path,
      {
        schema: {
          tags,
          summary,
          body: TwoFactorCodeBodySchema,
          response: { 200: RecoveryCodesSchema, 409: ProblemSchema, ...problems },
        },
      },
      async (request, reply) =>
        reply.header('cache-control', 'no-store').send(await issue(actorOf(request), request.body.code)),
    );
  recoveryCodesRoute(
    '/api/v1/me/two-factor/enrolment/confirm',
    'Confirm the set-up with a first code; answers the recovery codes (shown once)',
    (actor, code) => auth.confirmEnrolment(actor, code),
  );
  recoveryCodesRoute(
    '/api/v1/me/two-factor/recovery-codes',
    'New recovery codes (the old ones stop working); needs a current code',
    (actor, code) => auth.regenerateRecoveryCodes(actor, code),
  );

  app.post(
    '/api/v1/me/two-factor/disable',
    {
      schema: {
        tags,
        summary: 'Turn two-factor sign-in off with a current code or a recovery code',
        body: TwoFactorCodeBodySchema,
        response: { 204: NoContent, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => {
      await auth.disable(actorOf(request), request.body.code);
      return reply.status(204).send(null);
    },
  );
}
