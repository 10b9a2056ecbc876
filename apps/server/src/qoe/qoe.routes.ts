import {
  GraphLifecycleBatchSchema,
  GraphNotificationBatchSchema,
  IdParamsSchema,
  ProblemSchema,
  QoeSubscriptionStateSchema,
  WEBHOOK_BODY_LIMIT,
  WebhookQuerySchema,
} from '@trunkline/contracts';
import { z } from 'zod';
import { actorOf } from '../http/auth.ts';
import { problems, type App } from '../http/types.ts';
import { AppError, invalid } from '../platform/errors.ts';
import { webhookPaths, type QoeService } from './qoe.service.ts';
import { registerQoeDashboardRoutes } from './dashboard.routes.ts';
import type { QoeDashboardService } from './dashboard.service.ts';

/** Graph's validation token, HTML-escaped (Microsoft: "escape HTML/JS"), as the text/plain answer. */
const escapeToken = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const noBatch = () =>
  invalid([
    { path: 'body', code: 'required', message: 'A notification batch ({ value: [...] }) is required.' },
  ]);

const webhookResponses = {
  200: z.string().describe('The validation token, decoded'),
  202: z.null().describe('Accepted: persisted, processed later'),
  403: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
  422: ProblemSchema,
};

/**
 * The Graph change-notification webhook (public by design: Microsoft calls it without credentials; every item is
 * checked against a known subscription and its clientState) and the service page's subscription state.
 */
export function registerQoeRoutes(
  app: App,
  { qoe, qoeDashboard }: { qoe: QoeService; qoeDashboard: QoeDashboardService },
) {
  registerQoeDashboardRoutes(app, { qoeDashboard });
  app.get(
    '/api/v1/services/:id/qoe/subscription',
    {
      schema: {
        tags: ['qoe'],
        summary:
          "The service's call-record subscription (Teams Notification Service): expiry, last notification, last error",
        params: IdParamsSchema,
        response: { 200: QoeSubscriptionStateSchema, ...problems },
      },
    },
    async (request) => qoe.subscriptionState(actorOf(request), request.params.id),
  );

  // The webhook in its own scope: Graph's validation request is an empty text/plain POST, which the rest of
  // the API refuses (415). Any non-empty text body is refused here too.
  void app.register(async (scope: App) => {
    scope.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) => {
      if (body === '') done(null, undefined);
      else done(new AppError('unsupported_media_type', 'Notifications are JSON.'), undefined);
    });
    const echo = (token: string) => escapeToken(token);

    scope.post(
      webhookPaths.notifications,
      {
        config: { auth: 'public' },
        bodyLimit: WEBHOOK_BODY_LIMIT,
        schema: {
          tags: ['qoe'],
          summary: 'Microsoft Graph call-record change notifications (and the validation handshake)',
          description:
            'Public: Graph posts here without credentials. `?validationToken=` is echoed (decoded, escaped) as text/plain; notifications whose subscription and clientState match are persisted, then answered 202.',
          security: [],
          querystring: WebhookQuerySchema,
          body: GraphNotificationBatchSchema.nullish(),
          response: webhookResponses,
        },
      },
      async (request, reply) => {
        const token = request.query.validationToken;
        if (token !== undefined) return reply.code(200).type('text/plain; charset=utf-8').send(echo(token));
        if (!request.body) throw noBatch();
        const ids = await qoe.acceptNotifications(request.body.value);
        await reply.code(202).send(null);
        // After the answer: the inbox rows are committed, so a lost send is re-sent by the sweep job.
        qoe
          .enqueueFetches(ids)
          .catch((err: unknown) => request.log.error({ err }, 'enqueueing QoE fetches failed'));
        return reply;
      },
    );

    scope.post(
      webhookPaths.lifecycle,
      {
        config: { auth: 'public' },
        bodyLimit: WEBHOOK_BODY_LIMIT,
        schema: {
          tags: ['qoe'],
          summary: 'Microsoft Graph lifecycle notifications for the call-record subscriptions',
          security: [],
          querystring: WebhookQuerySchema,
          body: GraphLifecycleBatchSchema.nullish(),
          response: webhookResponses,
        },
      },
      async (request, reply) => {
        const token = request.query.validationToken;
        if (token !== undefined) return reply.code(200).type('text/plain; charset=utf-8').send(echo(token));
        if (!request.body) throw noBatch();
        await qoe.acceptLifecycle(request.body.value);
        return reply.code(202).send(null);
      },
    );
  });
}
