import {
  IdParamsSchema,
  InvitationLinkSchema,
  InvitationListQuerySchema,
  InvitationOpenBodySchema,
  InvitationPageSchema,
  InvitationSchema,
  InvitationViewSchema,
  OwnAppConnectionSchema,
  ConnectionAttemptSchema,
  ProblemSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { InvitationsService } from './invitations.service.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import { z } from 'zod';

export function registerInvitationRoutes(
  app: App,
  { invitations, connections }: { invitations: InvitationsService; connections: ConnectionsService },
) {
  const tags = ['invitations'];
  app.get(
    '/api/v1/invitations',
    {
      schema: {
        tags,
        summary: 'List invitations in scope',
        querystring: InvitationListQuerySchema,
        response: { 200: InvitationPageSchema, ...problems },
      },
    },
    async (request) => invitations.list(actorOf(request), request.query),
  );
  app.get(
    '/api/v1/invitations/:id/link',
    {
      schema: {
        tags,
        summary: 'The invitation link, to copy',
        params: IdParamsSchema,
        response: { 200: InvitationLinkSchema, ...problems },
      },
    },
    async (request) => invitations.link(actorOf(request), request.params.id),
  );
  app.post(
    '/api/v1/invitations/:id/resend',
    {
      schema: {
        tags,
        summary: 'Send again with a new link and expiry',
        params: IdParamsSchema,
        response: { 200: InvitationSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => invitations.resend(actorOf(request), request.params.id),
  );
  app.post(
    '/api/v1/invitations/:id/revoke',
    {
      schema: {
        tags,
        summary: 'Revoke the invitation; its link stops working',
        params: IdParamsSchema,
        response: { 200: InvitationSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => invitations.revoke(actorOf(request), request.params.id),
  );
  app.post(
    '/api/v1/invitations/open',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'What an invitation link shows (the token is its own authority)',
        security: [],
        body: InvitationOpenBodySchema,
        response: { 200: InvitationViewSchema, 404: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (request) => invitations.open(request.body.token),
  );

  app.post(
    '/api/v1/invitations/consent',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: "Start admin consent to the provider's app from an invitation link",
        description:
          'Answers the Microsoft admin-consent URL to send the browser to; its state is bound to this invitation.',
        security: [],
        body: InvitationOpenBodySchema,
        response: {
          200: z.object({ redirectUrl: z.url() }),
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => connections.startAdminConsent(request.body.token),
  );

  app.post(
    '/api/v1/invitations/own-app',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: "Connect with the customer's own app registration, from an invitation link",
        description:
          'Validated by an app-only token and its application permissions; the secret is stored only encrypted.',
        security: [],
        body: OwnAppConnectionSchema,
        response: {
          200: ConnectionAttemptSchema,
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
          502: ProblemSchema,
        },
      },
    },
    async (request) => connections.connectOwnApp(request.body),
  );

  app.post(
    '/api/v1/invitations/delegated',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Start the Delegated Token sign-in (authorization code with PKCE) from an invitation link',
        security: [],
        body: InvitationOpenBodySchema.extend({ loginHint: z.email().max(254).optional() }),
        response: {
          200: z.object({ redirectUrl: z.url() }),
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      },
    },
    async (request) => connections.startDelegated(request.body.token, request.body.loginHint),
  );
}
