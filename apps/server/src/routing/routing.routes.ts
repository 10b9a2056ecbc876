import { z } from 'zod';
import {
  IdParamsSchema,
  PlanPreviewSchema,
  PlanQuerySchema,
  ProblemSchema,
  RoutingSettingsSchema,
  RoutingSettingsUpdateSchema,
  RoutingStartSchema,
  WorkflowSchema,
} from '@trunkline/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../http/auth.ts';
import { AppError } from '../platform/errors.ts';
import { problems, type App } from '../http/types.ts';
import type { RoutingSettingsService } from './routing-settings.service.ts';
import type { RoutingService } from './routing.service.ts';

const EVENT_POLL_MS = 1000;
const KEEP_ALIVE_TICKS = 15;

export function registerRoutingRoutes(
  app: App,
  { routing, routingSettings }: { routing: RoutingService; routingSettings: RoutingSettingsService },
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
      config: { resource: 'service' },
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
      config: { resource: 'service' },
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
      config: { resource: 'service' },
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
        .send(await routing.start(actorOf(request), request.params.id, request.body.configureDns)),
  );
  app.get(
    '/api/v1/services/:id/routing',
    {
      config: { resource: 'service' },
      schema: {
        tags,
        summary: 'The latest routing run of the service, step by step',
        params: IdParamsSchema,
        response: { 200: WorkflowSchema, ...problems },
      },
    },
    async (request) => routing.workflow(actorOf(request), request.params.id),
  );
  app.post(
    '/api/v1/services/:id/routing/retry',
    {
      config: { resource: 'service' },
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
      config: { resource: 'service' },
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
  app.get(
    '/api/v1/services/:id/routing/events',
    {
      config: { resource: 'service' },
      schema: {
        tags,
        summary: 'Server-sent events: the routing run each time it changes (event "workflow")',
        params: IdParamsSchema,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const load = () =>
        routing.workflow(actor, request.params.id).catch((e: unknown) => {
          // No run yet is not an error for the stream; outside the scope is (the service is checked first).
          if (e instanceof AppError && e.code === 'not_found' && e.message.startsWith('Routing run'))
            return null;
          throw e;
        });
      await stream(request, reply, 'workflow', load);
    },
  );
  app.get(
    '/api/v1/customers/:id/routing/events',
    {
      config: { resource: 'customer' },
      schema: {
        tags,
        summary:
          'Server-sent events: the latest routing run of each of a customer\'s services (event "workflows")',
        params: IdParamsSchema,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await stream(request, reply, 'workflows', () => routing.customerRuns(actor, request.params.id));
    },
  );
}

/**
 * Streams `load()` as server-sent events whenever it changes (checked every second; any process may have
 * changed it, so the database is the source). The first load runs before the stream opens, so an object outside
 * the actor's scope is the usual 404 problem.
 */
async function stream(
  request: FastifyRequest,
  reply: FastifyReply,
  event: string,
  load: () => Promise<unknown>,
) {
  const first = await load();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let last = '';
  let ticks = 0;
  const push = (value: unknown) => {
    if (value === null) return;
    const data = JSON.stringify(value);
    if (data === last) return;
    last = data;
    res.write(`event: ${event}\ndata: ${data}\n\n`);
  };
  push(first);
  if (first === null) res.write(': nothing yet\n\n');
  const timer = setInterval(() => {
    load()
      .then(push)
      .catch(() => undefined);
    if (++ticks % KEEP_ALIVE_TICKS === 0) res.write(': keep-alive\n\n');
  }, EVENT_POLL_MS);
  request.raw.on('close', () => clearInterval(timer));
}
