import { z } from 'zod';
import type { App } from '../http/types.ts';
import { AuthorizationCodeCallbackQuery } from '../microsoft/callback-query.ts';
import { CONSENT_CALLBACK_PATH } from './admin-consent.flow.ts';
import type { ConnectionsService } from './connections.service.ts';
import { SIGN_IN_CALLBACK_PATH } from './delegated.flow.ts';

/**
 * Microsoft's redirects back to Trunkline (the redirect URIs registered on the provider's app). Public: the
 * single-use `state` bound to an invitation is their authority. Each answers with a redirect to the invitation
 * page carrying the outcome.
 */
export function registerMicrosoftCallbackRoutes(
  app: App,
  { connections }: { connections: Pick<ConnectionsService, 'completeDelegated' | 'completeAdminConsent'> },
) {
  const tags = ['microsoft'];
  app.get(
    SIGN_IN_CALLBACK_PATH,
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary:
          "Microsoft's redirect after the admin signed in; redeems the code and returns to the invitation page",
        security: [],
        querystring: AuthorizationCodeCallbackQuery,
      },
    },
    async (request, reply) => reply.redirect(await connections.completeDelegated(request.query), 302),
  );

  app.get(
    CONSENT_CALLBACK_PATH,
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary:
          "Microsoft's redirect after admin consent; confirms the tenant and returns to the invitation page",
        security: [],
        querystring: z.object({
          state: z.string().max(200).optional(),
          admin_consent: z.string().max(20).optional(),
          tenant: z.string().max(200).optional(),
          scope: z.string().max(2000).optional(),
          error: z.string().max(200).optional(),
          error_description: z.string().max(4000).optional(),
        }),
      },
    },
    async (request, reply) => reply.redirect(await connections.completeAdminConsent(request.query), 302),
  );
}
