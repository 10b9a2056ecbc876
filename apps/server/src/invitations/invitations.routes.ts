import {
  IdParamsSchema,
  InvitationLinkSchema,
  InvitationListQuerySchema,
  InvitationOpenBodySchema,
  InvitationPageSchema,
  InvitationSchema,
  InvitationViewSchema,
  ProblemSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import type { InvitationsService } from './invitations.service.ts';

export function registerInvitationRoutes(app: App, { invitations }: { invitations: InvitationsService }) {
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
      config: { resource: 'invitation' },
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
      config: { resource: 'invitation' },
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
      config: { resource: 'invitation' },
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
}
