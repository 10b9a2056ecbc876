import { z } from 'zod';
import {
  IdParamsSchema,
  PlanPreviewSchema,
  PlanQuerySchema,
  ProblemSchema,
  RoutingSettingsSchema,
  RoutingSettingsUpdateSchema,
  RoutingStartSchema,
  SbcConfigureSchema,
  SbcPlanPreviewSchema,
  SbcPreviewRequestSchema,
  WorkflowSchema,
} from '@trunkline/contracts';
import { actorOf } from '../http/auth.ts';
import { registerChangeStream } from '../http/sse.ts';
import { problems, type App } from '../http/types.ts';
import type { LiveViews } from '../lifecycle/live.ts';
import type { ChangeFeed } from '../platform/changes/change-feed.ts';
import type { RoutingSettingsService } from './routing-settings.service.ts';
import type { RoutingService } from './routing.service.ts';
import type { SbcStepService } from './sbc.service.ts';

export function registerRoutingRoutes(
  app: App,
  {
    routing,
    routingSettings,
    sbcStep,
    changes,
    live,
  }: {
    routing: RoutingService;
    sbcStep: SbcStepService;
    routingSettings: RoutingSettingsService;
    changes: ChangeFeed;
    live: LiveViews;
  },
) {
  const tags = ['routing'];
  app.get(
    '/api/v1/settings/routing',
    {
      schema: {
        tags: ['settings'],
        summary:
          'Default-routing settings of the provider (provider admins); the DNS secret is never returned',
        response: { 200: RoutingSettingsSchema, ...problems },
      },
    },
    async (request) => routingSettings.get(actorOf(request)),
  );
  app.put(
    '/api/v1/settings/routing',
    {
      schema: {
        tags: ['settings'],
        summary: 'Change the default-routing settings (provider admins); the DNS secret is stored encrypted',
        body: RoutingSettingsUpdateSchema,
        response: { 200: RoutingSettingsSchema, ...problems },
      },
    },
    async (request) => routingSettings.update(actorOf(request), request.body),
  );

  app.get(
    '/api/v1/services/:id/routing/plan',
    {
      schema: {
        tags,
        summary: 'Plan preview: every DNS record and tenant object the run would create or change',
        params: IdParamsSchema,
        querystring: PlanQuerySchema,
        response: { 200: PlanPreviewSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => routing.preview(actorOf(request), request.params.id, request.query.configureDns),
  );
  app.get(
    '/api/v1/services/:id/routing/plan.ps1',
    {
      schema: {
        tags,
        summary: 'The Teams part of the plan as a PowerShell script (MicrosoftTeams module)',
        params: IdParamsSchema,
        produces: ['text/plain'],
        response: { 200: z.string(), 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) => {
      const script = await routing.powershell(actorOf(request), request.params.id);
      return reply
        .type('text/plain; charset=utf-8')
        .header('content-disposition', `attachment; filename="trunkline-routing-${request.params.id}.ps1"`)
        .send(script);
    },
  );
  app.post(
    '/api/v1/services/:id/routing',
    {
      schema: {
        tags,
        summary: 'Configure M365 default routing: starts the durable, resumable run',
        params: IdParamsSchema,
        body: RoutingStartSchema,
        response: { 202: WorkflowSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(
          await routing.start(
            actorOf(request),
            request.params.id,
            request.body.configureDns,
            request.body.configureSbc ? { sbcId: request.body.sbcId } : undefined,
          ),
        ),
  );
  app.post(
    '/api/v1/services/:id/sbc/preview',
    {
      schema: {
        tags,
        summary:
          'Configure SBC plan preview: the exact INI/CLI text or rows that will be written and removed (changes nothing)',
        params: IdParamsSchema,
        body: SbcPreviewRequestSchema,
        response: { 200: SbcPlanPreviewSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => sbcStep.preview(actorOf(request), request.params.id, request.body.sbcId),
  );
  app.post(
    '/api/v1/services/:id/sbc',
    {
      schema: {
        tags,
        summary: 'Configure SBC: starts the "SBC only" run of the durable workflow (409 while a run is open)',
        params: IdParamsSchema,
        body: SbcConfigureSchema,
        response: { 202: WorkflowSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(await sbcStep.configure(actorOf(request), request.params.id, request.body.sbcId)),
  );
  app.get(
    '/api/v1/services/:id/routing',
    {
      schema: {
        tags,
        summary: 'The latest routing run of the service, step by step (null when it never had one)',
        params: IdParamsSchema,
        response: { 200: WorkflowSchema.nullable(), ...problems },
      },
    },
    async (request) => routing.workflow(actorOf(request), request.params.id),
  );
  app.post(
    '/api/v1/services/:id/routing/retry',
    {
      schema: {
        tags,
        summary: 'Retry a failed or waiting run from its step',
        params: IdParamsSchema,
        response: { 200: WorkflowSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request) => routing.retry(actorOf(request), request.params.id),
  );
  app.post(
    '/api/v1/services/:id/offboarding',
    {
      schema: {
        tags,
        summary: 'Remove service: undo what Trunkline created (policy, route, usage, user, domain, DNS)',
        params: IdParamsSchema,
        body: z.object({ confirmShortName: z.string().min(1).max(100) }),
        response: { 202: WorkflowSchema, 409: ProblemSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(await routing.offboard(actorOf(request), request.params.id, request.body.confirmShortName)),
  );
  registerChangeStream(
    app,
    '/api/v1/services/:id/events',
    {
      tags: ['services'],
      summary:
        'Server-sent events: the whole service view (lifecycle, connection, invitations, run) on each change (event "service")',
      description: `Each event's data is a ServiceView. Driven by the database's change notifications, not polling.`,
    },
    { event: 'service', changes, scope: 'serviceId', load: (actor, id) => live.service(actor, id) },
  );
  registerChangeStream(
    app,
    '/api/v1/customers/:id/events',
    {
      tags: ['customers'],
      summary:
        'Server-sent events: every service of the customer with its lifecycle, and their latest runs, on each change (event "customer")',
      description: `Each event's data is a CustomerView (the Onboarding view).`,
    },
    { event: 'customer', changes, scope: 'customerId', load: (actor, id) => live.customer(actor, id) },
  );
  registerChangeStream(
    app,
    '/api/v1/services/:id/routing/events',
    {
      tags,
      summary:
        'Server-sent events: the routing run each time it changes (event "workflow"); /services/{id}/events streams the whole view',
    },
    { event: 'workflow', changes, scope: 'serviceId', load: (actor, id) => routing.workflow(actor, id) },
  );
  registerChangeStream(
    app,
    '/api/v1/customers/:id/routing/events',
    {
      tags,
      summary:
        'Server-sent events: the latest routing run of each of a customer\'s services (event "workflows")',
    },
    {
      event: 'workflows',
      changes,
      scope: 'customerId',
      load: (actor, id) => routing.customerRuns(actor, id),
    },
  );
}
